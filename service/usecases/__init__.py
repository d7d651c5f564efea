"""The use cases: one module per capability, the one place each lives.

The API's handlers, the console's pages, the seed loader and the command-line tools call these
functions and nothing below them. A use case does the whole job: it admits the request, writes,
invalidates what it changed, recovers before a read that must tell the truth, and returns the
answer's model.
"""
