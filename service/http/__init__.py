"""The HTTP edge: app factory, routes, middleware and handlers that only parse, call and serialize."""
