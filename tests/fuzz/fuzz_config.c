/* fuzz_config.c — libFuzzer target: the --config reader (runtime/config.c,
 * libyaml) on arbitrary bytes, written to a file as the reader takes a path.
 *
 * Invariants: no crash, no sanitizer report; a failure returns -1 with a
 * message of the form "FILE:L:C: error: ..." (or naming the file); a
 * success leaves sane values (threads and partition size in range, every
 * input a string).
 */
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char path[64];

static void remove_file(void)
{
    unlink(path);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!path[0]) {
        snprintf(path, sizeof path, "/tmp/fpipe-fuzz-config-%d.yaml", (int)getpid());
        atexit(remove_file);
    }
    FILE *f = fopen(path, "wb");
    if (!f)
        return 0;
    fwrite(data, 1, size, f);
    fclose(f);
    fp_config cfg;
    memset(&cfg, 0, sizeof cfg);
    char err[1024] = "";
    int rc = fp_config_load(path, &cfg, err, sizeof err);
    if (rc != 0) {
        if (!strstr(err, path) || !strstr(err, "error"))
            abort();   /* a failure says where */
    } else {
        for (int i = 0; i < cfg.ninputs; i++)
            if (!cfg.inputs[i])
                abort();
    }
    fp_config_free(&cfg);
    return 0;
}
