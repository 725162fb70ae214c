"""The Whoosh codec a generation's segments are written with: Whoosh 3's (`W3Codec`), with
larger posting blocks packed tighter. Only the positions of `schema.PHRASE_FIELD` are posted
(phrase checks); nothing scores on Whoosh, so a block's size only trades how much a phrase
check decodes against the bytes each block's header and compression start costs.

- `BLOCK_POSTINGS` postings a block (Whoosh: 128): -0.44 MB of postings on MedQuAD;
- `block_bytes`: a block's (docnum gaps, weights, values) pickled with protocol 4 (short
  strings and small ints in fewer bytes than protocol 2's) without the pickle memo (a
  position string is never shared): -0.85 MB more. Whoosh's reader unpickles any protocol.

The codec is pickled with each segment (Whoosh keeps it in the table of contents), so a
segment reads with the codec it was written with; segments written by `W3Codec` (schemas up
to 9) read as before. The writer (`segwriter.FastSegmentWriter`) takes the codec from
`index_codec()` and packs blocks with its `block_bytes` when it has one.
"""

from __future__ import annotations

import io
import pickle
from typing import Any

from whoosh.codec.whoosh3 import W3Codec

BLOCK_POSTINGS = 256  # postings a block (Whoosh's default: 128)
BLOCK_PICKLE_PROTOCOL = 4  # (Whoosh writes protocol 2)
BLOCK_COMPRESSION = 3  # zlib level of a block (Whoosh's; 6: -0.05 MB at more build time)


class PhraseCodec(W3Codec):
    """`W3Codec` with blocks of BLOCK_POSTINGS postings and `block_bytes` to pack one."""

    def __init__(self, blocklimit: int = BLOCK_POSTINGS, compression: int = BLOCK_COMPRESSION,
                 inlinelimit: int = 1) -> None:
        super().__init__(blocklimit=blocklimit, compression=compression,
                         inlinelimit=inlinelimit)

    @staticmethod
    def block_bytes(block: Any) -> bytes:
        """A block's (docnum gaps, weights, values) as the bytes Whoosh unpickles: protocol
        BLOCK_PICKLE_PROTOCOL, no memo (`Pickler.fast`: nothing in a block is shared, and a
        memo entry costs a byte or two per string)."""
        buf = io.BytesIO()
        pickler = pickle.Pickler(buf, BLOCK_PICKLE_PROTOCOL)
        pickler.fast = True
        pickler.dump(block)
        return buf.getvalue()


def index_codec() -> PhraseCodec:
    """The codec to write a generation's segments with."""
    return PhraseCodec()
