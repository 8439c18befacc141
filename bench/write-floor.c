/* The floor for writing posts: the same files (names and bytes) written by a
 * bare loop, each to a temporary name and renamed into place as newsmirror
 * does. Reads every file of SRC into memory first (untimed), then writes
 * them into DST and prints the seconds the loop took. With --fsync each file
 * is flushed (fdatasync) before its rename and the directory once at the
 * end: the floor for durable writes on a real disk. */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

struct file { char *name; char *data; size_t len; };

int main(int argc, char **argv) {
    int durable = argc == 4 && strcmp(argv[1], "--fsync") == 0;
    if (durable) { argv++; argc--; }
    if (argc != 3) { fprintf(stderr, "usage: write-floor [--fsync] SRC DST\n"); return 2; }
    DIR *d = opendir(argv[1]);
    if (!d) { perror(argv[1]); return 1; }
    size_t n = 0, cap = 1024;
    struct file *files = malloc(cap * sizeof *files);
    struct dirent *e;
    char path[8192], tmp[8192];
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.') continue;
        snprintf(path, sizeof path, "%s/%s", argv[1], e->d_name);
        int fd = open(path, O_RDONLY);
        struct stat st;
        if (fd < 0 || fstat(fd, &st) != 0) { perror(path); return 1; }
        if (n == cap) files = realloc(files, (cap *= 2) * sizeof *files);
        files[n].name = strdup(e->d_name);
        files[n].len = st.st_size;
        files[n].data = malloc(st.st_size + 1);
        if (read(fd, files[n].data, st.st_size) != st.st_size) { perror(path); return 1; }
        close(fd);
        n++;
    }
    closedir(d);
    mkdir(argv[2], 0755);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (size_t i = 0; i < n; i++) {
        snprintf(path, sizeof path, "%s/%s", argv[2], files[i].name);
        snprintf(tmp, sizeof tmp, "%s/.tmp-%zu", argv[2], i);
        int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL, 0644);
        if (fd < 0 || write(fd, files[i].data, files[i].len) != (ssize_t)files[i].len) { perror(tmp); return 1; }
        if (durable && fdatasync(fd) != 0) { perror(tmp); return 1; }
        close(fd);
        if (rename(tmp, path) != 0) { perror(path); return 1; }
    }
    if (durable) {
        int dir = open(argv[2], O_RDONLY | O_DIRECTORY);
        if (dir < 0 || fsync(dir) != 0) { perror(argv[2]); return 1; }
        close(dir);
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    printf("%.4f\n", (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9);
    return 0;
}
