"""A controller tree using every routing feature, for the ``carya`` command's tests."""
