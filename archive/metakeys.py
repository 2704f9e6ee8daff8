"""The ``request.meta`` keys the archive's parts share, in a module that imports nothing.

Readers of a capture's place in the archive (the replay handler, the re-extraction worker
processes, the item middleware) need the key only, not the capture middleware that sets it
and the HTTP download handler it imports.
"""

#: ``request.meta`` key holding where the response was archived.
META_KEY = "warc"
#: ``request.meta`` key naming the URL whose archived capture a conditional request asks about.
CONDITIONAL_META_KEY = "conditional_for"
#: ``request.meta`` key naming the URL whose archived capture was found unreadable.
UNREADABLE_META_KEY = "archived_unreadable"
