"""A Nova-shaped service for ``api-paste.ini``: carya controllers behind carya's
middleware (cors, proxy headers, request id, faultwrap, size limit, noauth2 or
token auth), wired the way Nova's api-paste.ini wires its own."""
