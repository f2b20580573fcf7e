// What koffi alone costs a start-up: load it and bind libc, as the Linux backend does.
require("koffi").load("libc.so.6");
