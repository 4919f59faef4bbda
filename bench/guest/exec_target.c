/* What fork_exec_wait (process_ops.h) executes: a static musl program that
   ends at once, so the figure is fork, execve of a small image, exit and
   wait, and not the program's own work. It exits 0: syscall_ops reads any
   other status as execve's errno from a child whose execve failed. */
int main(void) { return 0; }
