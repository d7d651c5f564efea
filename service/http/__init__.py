"""The HTTP edge: the app factory, the route table and its wiring, middleware, the API's handlers and the console."""
