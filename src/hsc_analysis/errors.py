"""Error types raised for bad user input; the CLI turns each into one line on stderr."""


class InputError(ValueError):
    """Bad input from the user: a file, a spec or data that does not fit what is allowed."""


class InstrumentError(InputError):
    """An instrument file or spec is broken; the message names the file and the key path."""


class DataError(InputError):
    """Response data do not fit the instrument; the message names row, column, value and what is allowed."""


class UnknownNameError(InputError, KeyError):
    """A name (item, construct, question) that the instrument does not have; also a ``KeyError``, as a lookup."""

    __str__ = InputError.__str__
