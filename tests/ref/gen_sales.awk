# gen_sales.awk — deterministic CSV rows for the group-by tests:
#   awk -v rows=N -v seed=S -f tests/ref/gen_sales.awk > sales.csv
# RFC 4180 in all its forms: quoted cities with commas and doubled quotes,
# products with embedded newlines, CRLF line ends on some rows, a column
# the pipeline does not read, and negative and large quantities.
BEGIN {
    srand(seed)
    ncity = split("Paris|Oslo|Lima|Quito|Accra|Hanoi|Perth|Cork|Bern|Riga|San Jose|Le Mans", city, "|")
    print "id,city,product,qty,price"
    for (i = 1; i <= rows; i++) {
        r = rand()
        c = city[int(rand() * rand() * ncity) + 1]
        if (r < 0.05)      c = "\"" c ", " (int(rand() * 3)) "\""
        else if (r < 0.08) c = "\"" c " \"\"old\"\"\""
        else if (r < 0.12) c = "\"" c "\""
        p = "item" int(rand() * 50)
        if (rand() < 0.03) p = "\"" p "\nsecond line\""
        q = int(rand() * 2000) - 500
        if (rand() < 0.01) q = q * 1000000
        pr = sprintf("%.2f", rand() * 100)
        eol = rand() < 0.1 ? "\r\n" : "\n"
        printf "%d,%s,%s,%d,%s%s", i, c, p, q, pr, eol
    }
}
