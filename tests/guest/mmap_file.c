/* mmap of files: a private mapping shows the file's bytes (zeros past the end
   in the last page), at a page offset too; writes to a private mapping do not
   reach the file; a read-only shared mapping; /dev/zero; what cannot be
   mapped (access modes, directories, devices, pipes) and msync's errno cases.
   argv[1]: a work directory to create (else one under /tmp). */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "workdir.h"

#define SIZE 10000

static unsigned char pat(int i) { return (unsigned char)(i * 7 + i / 251); }

int main(int argc, char** argv) {
  char dir[256], path[300];
  if (!workdir_from_args(argc, argv, dir, sizeof dir, "/tmp/psx-mmap-XXXXXX")) return 1;
  snprintf(path, sizeof path, "%s/data", dir);
  static unsigned char bytes[SIZE];
  for (int i = 0; i < SIZE; i++) bytes[i] = pat(i);
  int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
  CHECK(write(fd, bytes, SIZE));
  long page = sysconf(_SC_PAGESIZE);

  unsigned char* p = mmap(NULL, SIZE, PROT_READ, MAP_PRIVATE, fd, 0);
  printf("mapped: %d\n", p != MAP_FAILED);
  printf("  same bytes: %d\n", memcmp(p, bytes, SIZE) == 0);
  int zeros = 1;
  for (long i = SIZE; i < 3 * page; i++) zeros &= p[i] == 0;
  printf("  zeros past the end of the file: %d\n", zeros);
  CHECK(munmap(p, SIZE));

  p = mmap(NULL, page, PROT_READ, MAP_PRIVATE, fd, page);
  printf("at offset one page: %d\n", p != MAP_FAILED && memcmp(p, bytes + page, page) == 0);
  CHECK(msync(p, page, MS_SYNC));
  CHECK(msync(p, page, MS_ASYNC | MS_INVALIDATE));
  CHECK(msync(p, page, MS_SYNC | MS_ASYNC));
  CHECK(msync(p + 1, page, MS_SYNC));
  CHECK(msync(p, page, 0x100));
  CHECK(msync(p, 0, MS_SYNC));
  munmap(p, page);

  /* A private writable mapping: the file keeps its bytes. */
  p = mmap(NULL, SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
  p[0] = 'X';
  p[SIZE - 1] = 'Y';
  unsigned char first = 0, last = 0;
  pread(fd, &first, 1, 0);
  pread(fd, &last, 1, SIZE - 1);
  printf("private writes stay private: %d %d, mapping has them: %d\n", first == bytes[0], last == bytes[SIZE - 1],
         p[0] == 'X' && p[SIZE - 1] == 'Y');
  /* MAP_FIXED over part of it, from the file again. */
  unsigned char* q = mmap(p, page, PROT_READ, MAP_PRIVATE | MAP_FIXED, fd, 0);
  printf("fixed: %d, file bytes again: %d, rest kept: %d\n", q == p, q[0] == bytes[0], p[SIZE - 1] == 'Y');
  munmap(p, SIZE);

  /* A read-only shared mapping. */
  p = mmap(NULL, SIZE, PROT_READ, MAP_SHARED, fd, 0);
  printf("shared read-only: %d\n", p != MAP_FAILED && memcmp(p, bytes, SIZE) == 0);
  munmap(p, SIZE);

  /* /dev/zero: anonymous memory. */
  int z = open("/dev/zero", O_RDWR);
  p = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_PRIVATE, z, 0);
  printf("/dev/zero: %d\n", p != MAP_FAILED && p[0] == 0 && p[page - 1] == 0);
  if (p != MAP_FAILED) p[0] = 1;
  munmap(p, page);

  /* What cannot be mapped, and bad arguments. */
  int ro = open(path, O_RDONLY), wo = open(path, O_WRONLY);
  int dfd = open(dir, O_RDONLY | O_DIRECTORY), null = open("/dev/null", O_RDWR);
  CHECK(mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_SHARED, ro, 0) == MAP_FAILED);
  CHECK(mmap(NULL, page, PROT_READ, MAP_PRIVATE, wo, 0) == MAP_FAILED);
  CHECK(mmap(NULL, page, PROT_READ, MAP_PRIVATE, dfd, 0) == MAP_FAILED);
  CHECK(mmap(NULL, page, PROT_READ, MAP_PRIVATE, null, 0) == MAP_FAILED);
  CHECK(mmap(NULL, page, PROT_READ, MAP_PRIVATE, 0, 0) == MAP_FAILED);
  CHECK(mmap(NULL, page, PROT_READ, MAP_PRIVATE, 99, 0) == MAP_FAILED);
  CHECK(mmap(NULL, page, PROT_READ, MAP_PRIVATE, fd, 100) == MAP_FAILED);
  CHECK(mmap(NULL, 0, PROT_READ, MAP_PRIVATE, fd, 0) == MAP_FAILED);
  CHECK(mmap(NULL, page, PROT_READ, 0, fd, 0) == MAP_FAILED);

  /* msync over a hole. */
  p = mmap(NULL, 3 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  munmap(p + page, page);
  CHECK(msync(p, 3 * page, MS_SYNC));
  CHECK(msync(p, page, MS_SYNC));
  munmap(p, 3 * page);

  close(null);
  close(dfd);
  close(wo);
  close(ro);
  close(z);
  close(fd);
  unlink(path);
  if (argc <= 1) rmdir(dir);
  return 0;
}
