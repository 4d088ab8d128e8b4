"""The seed examples (``../shared/seeds``), ported to Python 3 and run over real sockets."""
