"""What a request may ask for: one constant per limit, read by the search core, the editors'
tools, the JSON API and its OpenAPI description alike (nothing repeats these numbers)."""

MAX_QUERY_CHARS = 2000  # query or draft text, in characters
MAX_CATEGORY_DEPTH = 6  # levels of a category path
MAX_CATEGORY_CHARS = 200  # characters of one category name
MAX_LIMIT = 100  # results per call of the library's search()
API_MAX_LIMIT = 50  # results per page of the public API
MAX_OFFSET = 10_000  # the library's deepest offset
API_MAX_OFFSET = 1000  # the public API's deepest offset
MAX_SUGGEST = 20  # completions per /api/suggest call
MAX_SIMILAR = 50  # similar questions per call
