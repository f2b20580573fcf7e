/*
 * Baseline for bench/linux-negotiation.bench.ts: the syscalls of one negotiation whose supported set is
 * known (userfaultfd, UFFDIO_API, close), optionally with the fdinfo read that verification adds.
 *
 *   uffd-negotiate <features> <mappings> <milliseconds> <verify 0|1>
 *
 * First grows the process to <mappings> lines in /proc/self/maps (1-page anonymous mappings with
 * alternating protections, so that they do not merge), then repeats the negotiation for about
 * <milliseconds> and prints the nanoseconds per negotiation.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static double now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

static long count_mappings(void) {
  FILE *maps = fopen("/proc/self/maps", "r");
  if (!maps) return -1;
  long lines = 0;
  for (int c; (c = fgetc(maps)) != EOF;) lines += c == '\n';
  fclose(maps);
  return lines;
}

static int negotiate(unsigned long long features, int verify) {
  int fd = (int)syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) return -1;
  struct uffdio_api api = {.api = UFFD_API, .features = features};
  int rc = ioctl(fd, UFFDIO_API, &api);
  if (rc == 0 && verify) {
    char path[64], text[4096];
    snprintf(path, sizeof path, "/proc/self/fdinfo/%d", fd);
    int info = open(path, O_RDONLY | O_CLOEXEC);
    if (info < 0 || read(info, text, sizeof text) <= 0) rc = -1;
    if (info >= 0) close(info);
  }
  close(fd);
  return rc;
}

int main(int argc, char **argv) {
  if (argc != 5) {
    fprintf(stderr, "usage: %s <features> <mappings> <milliseconds> <verify 0|1>\n", argv[0]);
    return 2;
  }
  unsigned long long features = strtoull(argv[1], NULL, 0);
  long target = strtol(argv[2], NULL, 10);
  double budget = strtod(argv[3], NULL) * 1e6;
  int verify = atoi(argv[4]);
  // A new mapping may merge with a neighbour: count again until the target is reached.
  for (long have = count_mappings(), i = 0; have < target; have = count_mappings()) {
    for (long missing = target - have; missing > 0; missing--, i++) {
      int prot = i % 2 ? PROT_READ : PROT_READ | PROT_WRITE;
      if (mmap(NULL, 4096, prot, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) == MAP_FAILED) return 1;
    }
  }
  if (negotiate(features, verify) != 0) {
    perror("negotiation");
    return 1;
  }
  long done = 0;
  double start = now_ns(), elapsed = 0;
  while (elapsed < budget) {
    for (int i = 0; i < 64; i++) negotiate(features, verify);
    done += 64;
    elapsed = now_ns() - start;
  }
  printf("%.1f %ld\n", elapsed / (double)done, count_mappings());
  return 0;
}
