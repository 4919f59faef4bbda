# tests/apps/busybox/script.sh DIR — a BusyBox ash workload for differential runs.
#
#   busybox sh script.sh DIR              natively, DIR an empty host directory
#   psx run /bin/busybox sh script.sh DIR  under psx, DIR an empty directory in the store
#
# The output must be the same byte for byte, and the same on every run: it never shows DIR,
# a pid, a time or anything random, and everything that runs concurrently writes to its own
# file, read back in a fixed order afterwards. Directory listings go through sort or ls
# (which sorts), never raw readdir order. Exit status 0 at the end (after the EXIT trap).
#
# It exercises: pipelines (also long ones and SIGPIPE), redirections (> >> < 2>&1 <> n>&m,
# exec on fds, noclobber), here-documents (expanding, quoted, <<- and inside functions),
# $(...) and `...`, subshells, loops (for/while/until, break/continue, read loops), case,
# functions (local, return, recursion, "$@"), arithmetic, traps (EXIT, signals sent to
# self, to a child, ignored signals), background jobs with wait and their statuses, exit
# statuses (including death by signal), find | xargs, FIFOs, links, modes, /dev/null and
# /dev/zero, env, sh -c (BusyBox re-executes itself through /proc/self/exe for applets).

set -u
W="${1:?usage: busybox sh script.sh DIR}"
cd "$W" || exit 1
W="$(pwd -P)"                                # canonical, to strip from paths
cd "$W" || exit 1
rel() { case "$1" in "$W") echo "<dir>" ;; "$W"/*) echo "<dir>/${1#"$W"/}" ;; *) echo "$1" ;; esac; }
n=0
section() { n=$((n + 1)); echo "== $n. $*"; }
trap 'echo "EXIT trap: last status $?"' EXIT

section "redirections"
echo one > r.txt
echo two >> r.txt
printf '%s\n' three four >> r.txt
wc -l < r.txt
cat r.txt nonexistent 2>&1 | sed "s|$W|<dir>|" | sort
{ echo to-stdout; echo to-stderr >&2; } > out.txt 2> err.txt
echo "out: $(cat out.txt); err: $(cat err.txt)"
ls nonexistent > /dev/null 2>&1; echo "ls status $?"
exec 3> fd3.txt
echo "via fd 3" >&3
echo "again via fd 3" 1>&3
exec 3>&-
cat fd3.txt
exec 4< r.txt
read -r first <&4; read -r second <&4
exec 4<&-
echo "read from fd 4: $first $second"
echo "0123456789" > rw.txt
exec 5<> rw.txt
read -r -n 3 x <&5 2>/dev/null || read -r x <&5
echo "XY" >&5
exec 5>&-
echo "rw.txt: $(cat rw.txt)"
set -C
if (echo clobber > r.txt) 2>/dev/null; then echo "noclobber: overwritten"; else echo "noclobber: refused"; fi
echo forced >| r.txt
set +C
cat r.txt

section "here-documents"
name=world
cat <<EOF
hello $name, 2+3=$((2 + 3)), cmd=$(echo sub)
  indented line kept
EOF
cat <<'EOF'
no $expansion here: $(echo x) `echo y`
EOF
cat <<-EOF
	tabs stripped for $name
		(one level)
	EOF
tr a-z A-Z <<EOF | sed 's/^/piped: /'
lower case text
EOF
hd_fn() {
  cat <<EOF
in a function, arg=$1
EOF
}
hd_fn 42
while read -r a b; do echo "pair $a/$b"; done <<EOF
1 one
2 two
3 three
EOF

section "command substitution and subshells"
x=$(echo outer $(echo inner $(echo innermost)))
echo "$x"
y=`echo backquotes`
echo "$y"
v=parent
(v=child; echo "in subshell: $v"; exit 3)
echo "after subshell: $v, status $?"
(cd /; echo "subshell cwd: $(pwd)")
echo "cwd: $(rel "$(pwd)")"
mkdir -p a/b/c
(cd a/b && echo "relative cd: $(rel "$(pwd)")" && cd c && echo "deeper: $(rel "$PWD")")
echo "still: $(rel "$PWD")"
count=$(ls | wc -l)
echo "entries: $count"
echo "nested status: $(false; echo $?) $(true; echo $?)"
echo "lines: $(printf 'a\nb\nc\n' | wc -l)"

section "loops and case"
for i in 1 2 3 4 5 6 7 8 9 10; do
  case $i in
    3) continue ;;
    [12]) printf 'small:%s ' "$i" ;;
    *[05]) printf 'five:%s ' "$i" ;;
    8) break ;;
    *) printf 'other:%s ' "$i" ;;
  esac
done
echo
i=0; s=0
while [ $i -lt 100 ]; do i=$((i + 1)); s=$((s + i)); done
echo "while sum: $s"
j=10
until [ $j -le 0 ]; do j=$((j - 3)); done
echo "until: $j"
printf 'x:1\ny:2\nz:3\n' > kv.txt
while IFS=: read -r key val; do printf '%s=%s;' "$key" "$val"; done < kv.txt
echo
for f in "a b" c "d  e"; do printf '[%s]' "$f"; done
echo
set -- alpha "beta gamma" delta
for arg; do printf '<%s>' "$arg"; done
echo " ($# args)"
shift
echo "after shift: $1 / $#"

section "functions"
fact() { local k=$1; if [ "$k" -le 1 ]; then r=1; else fact $((k - 1)); r=$((r * k)); fi; }
fact 20; echo "20! = $r"
fib() { if [ "$1" -lt 2 ]; then echo "$1"; else echo $(( $(fib $(($1 - 1))) + $(fib $(($1 - 2))) )); fi; }
echo "fib 10 = $(fib 10)"
scoped() { local v="local"; echo "inside: $v"; }
v=global; scoped; echo "outside: $v"
ret() { return "$1"; }
ret 0; a=$?; ret 1; b=$?; ret 255; c=$?
echo "returns: $a $b $c"
args() { echo "$# args: $*"; for x in "$@"; do printf '(%s)' "$x"; done; echo; }
args "one two" three "" four
if ret 0 && ! ret 1; then echo "and/not ok"; fi
ret 1 || echo "or ok"

section "arithmetic"
echo $((7 * 6)) $((100 / 7)) $((100 % 7)) $((-7 / 2)) $((1 << 40)) $((0x1f + 010)) $((3 > 2 && 2 > 3))
k=5; k=$((k += 10)); echo "k=$k $((k++)) $k $((--k))"
echo $(( (1 << 62) * 2 )) $((9223372036854775807 + 1))
expr 6 \* 7; expr length "hello"; expr "abc" : 'a\(.*\)'

section "exit statuses"
true; echo "true $?"
false; echo "false $?"
(exit 7); echo "subshell exit 7: $?"
sh -c 'exit 300'; echo "sh -c exit 300: $?"
! true; echo "! true: $?"
false | true; echo "pipeline false|true: $?"
set -o pipefail; false | true; echo "pipefail false|true: $?"; set +o pipefail
nosuchcommand_xyz 2>/dev/null; echo "not found: $?"
sh -c 'kill -9 $$'; echo "killed by KILL: $?"
sh -c 'kill -TERM $$'; echo "killed by TERM: $?"
(set -e; false; echo "not reached"); echo "set -e subshell: $?"
if sh -c 'exit 3'; then echo yes; else echo "if-else saw $?"; fi

section "pipelines"
seq 1 1000 | grep 7 | wc -l
seq 1 20000 | sort -rn | head -n 3 | tr '\n' ' '; echo
yes line | head -n 50000 | uniq -c | sed 's/^ *//'
seq 1 10 | tee tee.txt | tail -n 2 | tr '\n' ,; echo " tee.txt has $(wc -l < tee.txt) lines"
printf 'b 2\na 3\nc 1\na 1\n' | sort -k2,2n -k1,1 | cut -d' ' -f1 | tr -d '\n'; echo
printf 'one\ntwo\nthree\n' | sed -n '2p;$p'
printf 'x=1\ny=2\n' | sed -e 's/=/ is /' -e 'y/xy/XY/'
printf 'foo\nbar\nbaz\n' | grep -v bar | grep -c ba
dd if=/dev/zero bs=1024 count=300 2>/dev/null | wc -c
dd if=/dev/zero bs=4096 count=64 2>/dev/null | od -b | tail -n 2 | tr -s ' '
head -c 100000 /dev/zero | tr '\0' 'z' | sha256sum | cut -c1-16

section "files, links, modes"
umask 022
mkdir -p d1/d2 && touch d1/f1 d1/d2/f2
echo content > d1/data
cp d1/data d1/copy && mv d1/copy d1/moved
ln d1/data d1/hard
ln -s data d1/soft
echo "links of data: $(stat -c %h d1/data), soft -> $(readlink d1/soft), via soft: $(cat d1/soft)"
chmod 640 d1/data; chmod u+x d1/f1
stat -c '%n %a %F %s' d1/data d1/f1 d1/soft
stat -c '%n %a %F' d1/d2                    # a directory's size depends on the file system
[ -x d1/f1 ] && echo "f1 executable"; [ -L d1/soft ] && echo "soft is a link"; [ -d d1/d2 ] && echo "d2 is a dir"
test -e d1/nothing || echo "nothing missing"
[[ "abc" == a* ]] && echo "[[ pattern ok"
ls d1; ls -R d1 | sed '/^$/d'
rm d1/hard; echo "links after rm: $(stat -c %h d1/data)"
truncate -s 10000 d1/sparse; echo "sparse size $(stat -c %s d1/sparse)"
cmp d1/data d1/moved && echo "cmp same"
echo changed > d1/moved; diff d1/data d1/moved | sed -e 's/^---.*/---/' -e 's/^+++.*/+++/'
rmdir d1/d2 2>/dev/null || echo "rmdir non-empty refused"
rm -r d1/d2 && echo "rm -r ok"
mkfifo fifo
(echo "through the fifo" > fifo) &
cat fifo
wait
echo "fifo type: $(stat -c %F fifo)"
echo "basename/dirname: $(basename /x/y/z.txt .txt) $(dirname /x/y/z.txt)"
echo "realpath: $(rel "$(realpath d1/../d1/soft)")"

section "find and xargs"
mkdir -p tree/a/b tree/c
for f in tree/1.txt tree/a/2.txt tree/a/b/3.txt tree/c/4.log tree/c/5.txt "tree/c/six seven.txt"; do
  echo "file $f" > "$f"
done
find tree -type f | sort
find tree -name '*.txt' | sort | grep -v ' ' | xargs wc -l | sed 's/^ *//'
find tree -type f -name '*.txt' -print0 | xargs -0 cat | sort
find tree -type d | sort | xargs -n 2 echo dirs:
find tree -name '*.log' -exec cat {} \;
find tree -type f | wc -l
echo "a b c d e" | xargs -n 2 printf '[%s %s]\n'
find tree -name '*.txt' | sort | xargs -I{} basename {} | tr '\n' ' '; echo
env -i FOO=bar BAZ=qux env | sort
FOO=inline sh -c 'echo "inline env: $FOO"'
export EXPORTED=yes; sh -c 'echo "exported: $EXPORTED"'

section "traps and signals"
trap 'echo "got USR1"' USR1
kill -USR1 $$
echo "after USR1"
trap - USR1
(trap 'echo "subshell EXIT trap"' EXIT; echo "in subshell"; exit 2); echo "subshell status $?"
rm -f ready
(trap 'echo "child: TERM trapped"; exit 4' TERM; : > ready; i=0; while [ $i -lt 500 ]; do sleep 0.01; i=$((i + 1)); done; echo "child: no signal") > sig.out &
p=$!
while [ ! -e ready ]; do sleep 0.01; done
kill -TERM $p; wait $p; echo "trapped child status $?"; cat sig.out
rm -f ready
(trap '' TERM; : > ready; sleep 0.2; echo "child: TERM ignored, still here") > ign.out &
p=$!
while [ ! -e ready ]; do sleep 0.01; done
kill -TERM $p; wait $p; echo "ignoring child status $?"; cat ign.out
sleep 5 &
p=$!
kill $p; wait $p; echo "killed sleep status $?"
kill -0 $$ && echo "kill -0 self ok"

section "background jobs"
for i in 1 2 3 4; do
  ( s=0; for j in $(seq 1 $((i * 200))); do s=$((s + j)); done; echo "job $i sum $s" > "job.$i" ) &
done
wait
cat job.1 job.2 job.3 job.4
(exit 5) & p1=$!
(sleep 0.1; exit 6) & p2=$!
wait $p2; s2=$?; wait $p1; s1=$?
echo "statuses: $s1 $s2"
sh -c 'echo "from sh -c in background" > bg.out' &
wait $!; echo "bg sh status $?"; cat bg.out
seq 1 5 | while read -r x; do echo $((x * x)) & wait; done | sort -n | tr '\n' ' '; echo
wait; echo "wait with no jobs: $?"

section "summary"
find . -type f | sort | sed 's|^\./||' | tr '\n' ' '; echo
find . -type f ! -name fifo -exec cat {} + | wc -c
echo "done"
