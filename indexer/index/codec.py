"""The Whoosh codec a generation's segments are written with: Whoosh 3's (`W3Codec`), with
larger posting blocks packed tighter. Only the positions of `schema.PHRASE_FIELD` are posted
(phrase checks); nothing scores on Whoosh, so a block's size only trades how much a phrase
check decodes against the bytes each block's header and compression start costs.

- `BLOCK_POSTINGS` postings a block (Whoosh: 128): -0.44 MB of postings on MedQuAD;
- `block_bytes`: a block's (docnum gaps, weights, values) pickled with protocol 4 (short
  strings and small ints in fewer bytes than protocol 2's) without the pickle memo (a
  position string is never shared): -0.85 MB more. Whoosh's reader unpickles any protocol;
- stored records in a column of their own bytes (`RecordsPerDocWriter`: `stored.pack_fields`,
  the dictionary's key and the zstd frame) instead of Whoosh's pickled dict of fields,
  deflated again (zlib on zstd output makes it larger): -1.0 MB, and no zlib or pickle work a
  record to write or read;
- the term table's hash slots with 32-bit positions (`CompactHashWriter`: 8 bytes a slot, not
  12, two slots a term: -0.43 MB), read by `CompactHashReader`; a table past 4 GB keeps
  Whoosh's 64-bit slots (the table says which in its extras).

The codec is pickled with each segment (Whoosh keeps it in the table of contents), so a
segment reads with the codec it was written with; segments written by `W3Codec` (schemas up
to 9) read as before. A writer uses it when made with `codec=index_codec()`
(`segwriter.FastSegmentWriter` then also packs its blocks with `block_bytes`, when it
looks for one); the term table, the records column and the block size need nothing more.
"""

from __future__ import annotations

import io
import pickle
import struct
from collections import defaultdict
from collections.abc import Iterator
from typing import Any

from whoosh import columns
from whoosh.codec.whoosh3 import (
    W3Codec,
    W3FieldWriter,
    W3PerDocReader,
    W3PerDocWriter,
    W3TermsReader,
)
from whoosh.filedb import compound, filetables

from indexer.index.stored import pack_fields, unpack_fields

BLOCK_POSTINGS = 256  # postings a block (Whoosh's default: 128)
BLOCK_PICKLE_PROTOCOL = 4  # (Whoosh writes protocol 2)
BLOCK_COMPRESSION = 3  # zlib level of a block (Whoosh's; 6: -0.05 MB at more build time)
POINTER_32 = struct.Struct("!II")  # a hash slot: the key's hash, its position (Whoosh: "!Iq")
POINTER_KEY = "pointer"  # the term table's extras name its slots' struct (none: Whoosh's)
STORED = "_stored"  # the column of stored fields (Whoosh's name)
RECORDS_COLUMN = columns.VarBytesColumn()  # its values: `stored.pack_fields`


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


    def per_document_writer(self, storage: Any, segment: Any) -> W3PerDocWriter:
        return RecordsPerDocWriter(self, storage, segment)

    def per_document_reader(self, storage: Any, segment: Any) -> W3PerDocReader:
        return RecordsPerDocReader(storage, segment)

    def field_writer(self, storage: Any, segment: Any) -> W3FieldWriter:
        return CompactFieldWriter(self, storage, segment)

    def terms_reader(self, storage: Any, segment: Any) -> W3TermsReader:
        name = segment.make_filename(self.TERMS_EXT)
        postfile = segment.open_file(storage, self.POSTS_EXT)
        return CompactTermsReader(self, storage.open_file(name), storage.file_length(name),
                                  postfile)


class RecordsPerDocWriter(W3PerDocWriter):
    """`W3PerDocWriter` keeping each document's stored fields as `stored.pack_fields` bytes
    in RECORDS_COLUMN."""

    def __init__(self, codec: W3Codec, storage: Any, segment: Any) -> None:
        # W3PerDocWriter.__init__ with another stored column (made once: it opens a file)
        self._codec = codec
        self._storage = storage
        self._segment = segment
        self._cols = compound.CompoundWriter(storage.temp_storage(f"{segment.indexname}.tmp"))
        self._colwriters: dict[str, Any] = {}
        self._create_column(STORED, RECORDS_COLUMN)
        self._fieldlengths: dict[str, int] = defaultdict(int)
        self._doccount = 0
        self._docnum = None
        self._storedfields = None
        self._indoc = False
        self.is_closed = False
        self._vpostfile = None

    def finish_doc(self) -> None:
        sf = self._storedfields
        if sf:
            self.add_column_value(STORED, RECORDS_COLUMN, pack_fields(sf))
            sf.clear()
        self._indoc = False


class RecordsPerDocReader(W3PerDocReader):
    """`W3PerDocReader` reading stored fields from RECORDS_COLUMN."""

    def stored_fields(self, docnum: int) -> dict[str, Any]:
        reader = self._cached_reader(STORED, RECORDS_COLUMN)
        return unpack_fields(reader[docnum]) if reader is not None else {}


class CompactHashWriter(filetables.OrderedHashWriter):
    """Whoosh's ordered hash file (the term table) with 32-bit positions in its hash slots
    while the file's data stays below 4 GB (Whoosh's 64-bit slots past that)."""

    def _write_hashes(self) -> None:
        # HashWriter._write_hashes with the slot struct chosen by the data's end
        dbfile = self.dbfile
        pointer = POINTER_32 if dbfile.tell() < 1 << 32 else filetables._pointer
        self.extras[POINTER_KEY] = pointer.format
        null = (0, 0)
        for entries in self.buckets:
            numslots = 2 * len(entries)
            self.directory.append((dbfile.tell(), numslots))
            table = [null] * numslots
            for hashval, position in entries:
                slot = (hashval >> 8) % numslots
                while table[slot] != null:
                    slot = (slot + 1) % numslots
                table[slot] = (hashval, position)
            dbfile.write(b"".join(pointer.pack(h, p) for h, p in table))


class CompactHashReader(filetables.OrderedHashReader):
    """Reads a `CompactHashWriter` file (or Whoosh's own, whose extras name no slot struct)."""

    def _read_extras(self) -> None:
        super()._read_extras()
        self._pointer = struct.Struct(self.extras.get(POINTER_KEY, filetables._pointer.format))

    def ranges_for_key(self, key: bytes) -> Iterator[tuple[int, int]]:
        # HashReader.ranges_for_key with this file's slot struct
        if not isinstance(key, bytes):
            raise TypeError(f"Key {key!r} should be bytes")
        dbfile = self.dbfile
        keyhash = self.hashfn(key)
        tablestart, numslots = self.tables[keyhash & 255]
        if not numslots:
            return
        ptrsize, unpackptr = self._pointer.size, self._pointer.unpack
        lens = filetables._lengths
        tableend = tablestart + numslots * ptrsize
        slotpos = tablestart + ((keyhash >> 8) % numslots) * ptrsize
        for _ in range(numslots):
            slothash, itempos = unpackptr(dbfile.get(slotpos, ptrsize))
            if not itempos:  # an empty slot: no such key
                return
            if slothash == keyhash:
                keylen, datalen = lens.unpack(dbfile.get(itempos, lens.size))
                if keylen == len(key):
                    keystart = itempos + lens.size
                    if key == dbfile.get(keystart, keylen):
                        yield keystart + keylen, datalen
            slotpos += ptrsize
            if slotpos == tableend:
                slotpos = tablestart


class CompactFieldWriter(W3FieldWriter):
    """`W3FieldWriter` writing its term table with `CompactHashWriter`."""

    def __init__(self, codec: W3Codec, storage: Any, segment: Any) -> None:
        # W3FieldWriter.__init__ with another hash writer (it writes its header when made)
        self._codec = codec
        self._storage = storage
        self._segment = segment
        self._fieldname = self._fieldid = self._btext = None
        self._fieldobj = self._format = None
        self._tindex = CompactHashWriter(self._create_file(W3Codec.TERMS_EXT))
        self._fieldmap = self._tindex.extras["fieldmap"] = {}
        self._postfile = self._create_file(W3Codec.POSTS_EXT)
        self._postwriter = None
        self._infield = False
        self.is_closed = False


class CompactTermsReader(W3TermsReader):
    """`W3TermsReader` over a `CompactHashReader`."""

    def __init__(self, codec: W3Codec, dbfile: Any, length: int, postfile: Any) -> None:
        self._codec = codec
        self._dbfile = dbfile
        self._tindex = CompactHashReader(dbfile, length)
        self._fieldmap = self._tindex.extras["fieldmap"]
        self._postfile = postfile
        self._fieldunmap = [None] * len(self._fieldmap)
        for fieldname, num in self._fieldmap.items():
            self._fieldunmap[num] = fieldname


def index_codec() -> PhraseCodec:
    """The codec to write a generation's segments with."""
    return PhraseCodec()
