"""One module per `akhbar` command. Each defines `register(subparsers)`, which adds its
sub-parser and sets `func` to a function taking the parsed arguments and returning the exit
code. The CLI finds the modules here by name, so adding a command touches no other file."""
