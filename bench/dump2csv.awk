# dump2csv.awk — the pipeline an operator would write today (DESIGN §7):
# turn the F1-F3 freelist tables of a traffic.out into CSV rows
#   dump,name,allocated,in_use,type_size
# for `sqlite3 -csv DB '.import /dev/stdin s'`.  Run with -F'|'.  Numbers
# are passed through as text (no +0: mawk prints doubles past 2^31 as %.6g).
/^ +[Aa]llocated +\|/ { d++; next }
/\| memory\// { gsub(/ /, ""); print d "," substr($4, 8) "," $1 "," $2 "," $3 }
