# gen_logs.awk — deterministic access-log lines for the logs tests:
#   awk -v lines=N -v seed=S -f tests/ref/gen_logs.awk > access.log
# Mostly well-formed Common Log Format lines (every address width from 7 to
# 15 bytes, every hour, sizes "-" and 1 to 9 digits, timestamps with odd
# bytes that still fit the pattern), with malformed ones injected: cut
# short, a bad hour, a bad status, a bad size, a quote too many, garbage,
# empty lines, CRLF ends; the last line has no newline.
function pick(s,   n, a) { n = split(s, a, "|"); return a[int(rand() * n) + 1] }
function addr(   w, s) {
    w = 7 + int(rand() * 9)                       # 7 to 15 bytes
    s = int(rand() * 10) "." int(rand() * 10) "." int(rand() * 10) "." int(rand() * 1000000)
    return substr(s "000000000000", 1, w)
}
function good(   t, h, st, sz, rq) {
    h = sprintf("%02d", int(rand() * 24))
    t = sprintf("%02d/%s/2026:%s:%02d:%02d +0000", 1 + int(rand() * 28), pick("Jan|Feb|Nov|Dec"),
                h, int(rand() * 60), int(rand() * 60))
    if (rand() < 0.02) t = "x] [ a b c d:" h ":[]] -+0 1 "   # odd bytes, still 11:HH:11
    st = pick("200|200|200|304|404|500|301|100|599|201")
    sz = rand() < 0.15 ? "-" : substr(int(rand() * 1000000000) "", 1, 1 + int(rand() * 9))
    rq = pick("GET / HTTP/1.1|GET /index.html HTTP/1.1|POST /api/v1/items HTTP/2.0|||GET /a b c]] [ HTTP/1.0")
    return addr() " - - [" t "] \"" rq "\" " st " " sz
}
BEGIN {
    srand(seed)
    for (i = 1; i <= lines; i++) {
        l = good()
        r = rand()
        if (r < 0.80) ;
        else if (r < 0.82) l = substr(l, 1, int(rand() * length(l)))                 # cut short
        else if (r < 0.83) sub(/:[0-9][0-9]:/, ":" pick("24|99|1:|-1|+1| 1|2a") ":", l)  # bad hour
        else if (r < 0.84) sub(/" [0-9]+ /, "\" " pick("600|099|20|2000|+99|-99|abc|2 0") " ", l)  # bad status
        else if (r < 0.85) sub(/ [^ ]+$/, " " pick("1234567890|+5|-5|5x||--|5 5"), l)  # bad size
        else if (r < 0.86) sub(/GET/, "G\"ET", l)                                  # a third quote
        else if (r < 0.87) sub(/ - - /, " \"-\" ", l)                               # quotes before
        else if (r < 0.875) sub(/\+0000/, "+0\"00", l)                             # one in the time
        else if (r < 0.88) l = "1.2.3" pick("|4.5.6.7.8.9.10.11") substr(l, index(l, " "))  # address 5 or 21
        else if (r < 0.89) l = pick("garbage|\"|\"\"|- - [] \"\" 200 5|\t|GET / HTTP/1.1")
        else if (r < 0.92) l = ""                                                   # empty
        else if (r < 0.93) l = l "\r"                                               # CRLF
        else if (r < 0.94) l = l " extra"
        printf "%s%s", l, i < lines ? "\n" : ""
    }
}
