/* gen_fide.c — deterministic FIDE-rating-like rows for bench/jsonl.sh.
 * Usage: gen_fide N SEED json|csv
 *
 * Each row: fide_id, name, country (one of 190 three-letter codes, Zipf
 * frequencies), sex, title, games, birth_year and elo, like the rows of
 * FIDE's rating list (~130 bytes as JSON, ~60 as CSV).  The same N and
 * SEED give the same rows in both formats, so the two group-bys must
 * agree.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t state;

static uint64_t next(void)   /* splitmix64 */
{
    uint64_t z = (state += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

int main(int argc, char **argv)
{
    if (argc != 4 || (strcmp(argv[3], "json") != 0 && strcmp(argv[3], "csv") != 0)) {
        fprintf(stderr, "usage: gen_fide N SEED json|csv\n");
        return 2;
    }
    long n = atol(argv[1]);
    state = strtoull(argv[2], NULL, 10);
    int json = strcmp(argv[3], "json") == 0;
    enum { NC = 190 };
    char codes[NC][4];
    double cum[NC], total = 0;
    for (int i = 0; i < NC; i++) {
        uint64_t r = next();
        codes[i][0] = (char)('A' + r % 26);
        codes[i][1] = (char)('A' + r / 26 % 26);
        codes[i][2] = (char)('A' + i % 26);
        codes[i][3] = 0;
        total += 1.0 / (i + 1);
        cum[i] = total;
    }
    static const char *const titles[] = {"", "", "", "", "", "CM", "FM", "IM", "GM", "WFM"};
    static const char *const syll[] = {"ka", "ro", "mi", "sen", "vo", "lin", "ta", "dar",
                                       "po", "ne", "shi", "ber", "ga", "lu", "zek", "an"};
    static char buf[1 << 16];
    setvbuf(stdout, buf, _IOFBF, sizeof buf);
    if (!json)
        puts("fide_id,name,country,sex,title,games,birth_year,elo");
    for (long i = 0; i < n; i++) {
        uint64_t r = next();
        double u = (double)(r >> 11) / 9007199254740992.0 * total;
        int lo = 0, hi = NC - 1;
        while (lo < hi) {
            int mid = (lo + hi) / 2;
            if (cum[mid] < u)
                lo = mid + 1;
            else
                hi = mid;
        }
        uint64_t s = next();
        char name[40];
        int k = 0;
        for (int j = 0; j < 2 + (int)(s % 3); j++) {
            const char *y = syll[(s >> (4 + 4 * j)) & 15];
            size_t m = strlen(y);
            memcpy(name + k, y, m);
            k += (int)m;
        }
        name[0] = (char)(name[0] - 32);
        name[k++] = ' ';
        for (int j = 0; j < 2 + (int)(s >> 30 & 1); j++) {
            const char *y = syll[(s >> (32 + 4 * j)) & 15];
            size_t m = strlen(y);
            memcpy(name + k, y, m);
            k += (int)m;
        }
        name[k] = 0;
        long id = 1000000 + i * 7 + (long)(s >> 58);
        const char *sex = (s >> 20 & 7) ? "M" : "F";
        const char *title = titles[(s >> 24) % 10];
        int games = (int)(s >> 44 & 31);
        int birth = 1940 + (int)(s >> 50) % 70;
        int elo = 1000 + (int)((r >> 3) % 1800);
        if (json)
            printf("{\"fide_id\":%ld,\"name\":\"%s\",\"country\":\"%s\",\"sex\":\"%s\","
                   "\"title\":\"%s\",\"games\":%d,"
                   "\"birth_year\":%d,\"elo\":%d}\n",
                   id, name, codes[lo], sex, title, games, birth, elo);
        else
            printf("%ld,%s,%s,%s,%s,%d,%d,%d\n", id, name, codes[lo], sex, title,
                   games, birth, elo);
    }
    return 0;
}
