/* On a terminal: isatty, the window size, termios, and a line read from it. */
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

int main(void) {
  printf("isatty 0=%d 1=%d 2=%d\n", isatty(0), isatty(1), isatty(2));
  struct winsize ws;
  if (ioctl(1, TIOCGWINSZ, &ws) == 0) printf("winsize %dx%d\n", ws.ws_row, ws.ws_col);
  struct termios t;
  if (tcgetattr(0, &t) == 0) printf("icanon=%d echo=%d\n", !!(t.c_lflag & ICANON), !!(t.c_lflag & ECHO));
  printf("type a line: ");
  fflush(stdout);
  char line[128];
  if (fgets(line, sizeof line, stdin)) printf("got [%.*s]\n", (int)strcspn(line, "\n"), line);
  /* Raw mode and back, as editors and shells do. */
  struct termios raw = t;
  raw.c_lflag &= ~(ICANON | ECHO);
  printf("raw=%d ", tcsetattr(0, TCSANOW, &raw));
  printf("restore=%d\n", tcsetattr(0, TCSANOW, &t));
  return 0;
}
