/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kiste_tty_eof.h - the end of what is typed into a terminal, told as a
 * terminal tells it: shim mode's relay (kiste run -t -i) and vm mode's agent
 * (kiste run and kiste exec -t -i) type it when the caller's input ends; a
 * terminal's master stays open for the output, so closing it tells nothing.
 */
#ifndef KISTE_TTY_EOF_H
#define KISTE_TTY_EOF_H

#include <termios.h>
#include <unistd.h>

/*
 * The bytes that end the typing into the terminal of @master, @last the last
 * byte typed (-1: none), into @out: in canonical mode its end-of-file
 * character, twice after a partial line (the first hands that line over, as
 * ^D typed by hand does); none in non-canonical mode, where no byte is an
 * end of file.  Returns how many (0..2).
 */
static inline int kiste_tty_eof(int master, int last, char out[2])
{
	struct termios t;
	int n = 0;

	if (tcgetattr(master, &t) < 0 || !(t.c_lflag & ICANON) ||
	    t.c_cc[VEOF] == _POSIX_VDISABLE)
		return 0;
	if (last >= 0 && last != '\n' && last != t.c_cc[VEOF] && last != t.c_cc[VEOL] &&
	    last != t.c_cc[VEOL2])
		out[n++] = (char)t.c_cc[VEOF];
	out[n++] = (char)t.c_cc[VEOF];
	return n;
}

#endif /* KISTE_TTY_EOF_H */
