-- files.lua DIR [procs]
--
-- A file workload for Lua 5.4's standard library, for differential runs: natively
-- (`lua files.lua /tmp/x`) and under psx (`psx run /bin/lua files.lua /x`) the output must
-- be identical. DIR must exist and be empty; the script leaves a few files in it
-- (result.txt, notes.txt, keep/…) for `psx store ls` / `psx store cat`.
--
-- What plain Lua can do with files: io.open in every mode (r w a r+ w+ a+, with b),
-- file:read ("a", "l", "L", "n", counts), file:write, file:seek (set/cur/end, also past the
-- end, which makes a hole), file:setvbuf (no/full/line), file:lines/io.lines, file:flush,
-- os.rename, os.remove (files, and empty directories: C remove() falls back to rmdir).
-- What it cannot: create a directory or list one (that needs lfs or a shell). Without a
-- shell, "listing" here means probing every name the script may have made. With the second
-- argument `procs`, the script also uses os.execute/io.popen (/bin/sh, mkdir, ls: needs
-- fork/exec and a shell in the guest's world, issue 5) to create and list directories.
--
-- Output never contains DIR itself (it differs between runs): messages show it as <dir>.
-- No times, pids, random names (os.tmpname is left out: its name is random and it needs /tmp).

local dir = assert(arg[1], "usage: lua files.lua DIR [procs]")
dir = dir:gsub("/+$", "")
if dir == "" then dir = "/" end
local procs = arg[2] == "procs"

local function p(dirpath) return dir .. "/" .. dirpath end
local function clean(msg)
  if msg == nil then return "nil" end
  local s, e = string.find(msg, dir, 1, true)
  while s do
    msg = msg:sub(1, s - 1) .. "<dir>" .. msg:sub(e + 1)
    s, e = string.find(msg, dir, s + 5, true)
  end
  return msg
end
local function say(fmt, ...) io.write(string.format(fmt, ...), "\n") end

-- FNV-1a, 32 bit, over a string: a content digest without any library.
local function fnv(s)
  local h = 0x811c9dc5
  for i = 1, #s do h = ((h ~ s:byte(i)) * 0x01000193) & 0xffffffff end
  return string.format("%08x", h)
end

local function slurp(name, mode)
  local f, err, code = io.open(p(name), mode or "rb")
  if not f then return nil, clean(err), code end
  local s = f:read("a"); f:close(); return s
end

local function size_of(name)
  local f = io.open(p(name), "rb")
  if not f then return -1 end
  local n = f:seek("end"); f:close(); return n
end

-- an io.open that reports errors the way the output wants them
local function try_open(name, mode)
  local f, err, code = io.open(p(name), mode)
  if f then f:close(); return "ok" end
  return string.format("%s (errno %d)", clean(err), code)
end

say("== 1. write, then read back")
do
  local f = assert(io.open(p("a.txt"), "w"))
  for i = 1, 100 do f:write(string.format("line %d: %s\n", i, string.rep("x", i % 17))) end
  assert(f:close())
  local s = slurp("a.txt")
  say("a.txt: %d bytes, fnv %s", #s, fnv(s))
  local n, sum = 0, 0
  for l in io.lines(p("a.txt")) do n = n + 1; sum = sum + tonumber(l:match("^line (%d+)")) end
  say("io.lines: %d lines, sum of numbers %d", n, sum)
end

say("== 2. append modes")
do
  local f = assert(io.open(p("a.txt"), "a"))
  for i = 101, 110 do f:write("line ", i, ": appended\n") end
  f:close()
  say("after 'a': %d bytes", size_of("a.txt"))
  -- a+: reads anywhere, writes always go to the end
  f = assert(io.open(p("a.txt"), "a+"))
  f:seek("set", 0)
  say("a+ first line: %s", f:read("l"))
  f:seek("set", 0)
  f:write("line 111: written after seek(set, 0) in a+\n")
  f:flush()
  say("a+ position after write: %d (size %d)", f:seek("cur"), f:seek("end"))
  f:close()
  local last
  for l in io.lines(p("a.txt")) do last = l end
  say("last line: %s", last)
end

say("== 3. r+ overwrite in place, w truncates, w+ reads back")
do
  local f = assert(io.open(p("a.txt"), "r+"))
  f:seek("set", 5)
  f:write("ONE")
  f:seek("set", 0)
  say("r+ line 1: %s", f:read("l"))
  say("r+ line 2: %s", f:read("l"))
  f:close()
  f = assert(io.open(p("w.txt"), "w")); f:write("some text that will go away\n"); f:close()
  say("w.txt before: %d bytes", size_of("w.txt"))
  f = assert(io.open(p("w.txt"), "w")); f:close()
  say("w.txt after reopening with w: %d bytes", size_of("w.txt"))
  f = assert(io.open(p("w.txt"), "w+"))
  f:write("alpha\nbeta\n3.25 42 0x10\n")
  f:seek("set", 0)
  say("w+ read: %s | %s | %s %s %s", f:read("l"), f:read("L"):gsub("\n", "\\n"), f:read("n"), f:read("n"), f:read("n"))
  say("w+ near eof: read(0)=%q read('l')=%q", tostring(f:read(0)), tostring(f:read("l")))
  say("w+ at eof: read(0)=%s read('l')=%s read('a')=%q", tostring(f:read(0)), tostring(f:read("l")), f:read("a"))
  f:close()
end

say("== 4. binary data, big file, hole")
do
  local bytes = {}
  for i = 0, 255 do bytes[#bytes + 1] = string.char(i) end
  local all = table.concat(bytes)
  local f = assert(io.open(p("bin.dat"), "wb"))
  for _ = 1, 16 do f:write(all) end
  f:close()
  local s = slurp("bin.dat")
  say("bin.dat: %d bytes, fnv %s, equal %s", #s, fnv(s), tostring(s == string.rep(all, 16)))

  -- 1 MiB in 4 KiB writes, full buffering; then random-access reads
  f = assert(io.open(p("big.dat"), "wb"))
  f:setvbuf("full", 4096)
  for i = 0, 255 do f:write(string.rep(string.char(65 + i % 26), 4096)) end
  f:close()
  f = assert(io.open(p("big.dat"), "rb"))
  local sizes = f:seek("end")
  local picks = {}
  for _, off in ipairs({ 0, 4095, 4096, 123457, 1048575 }) do
    f:seek("set", off); picks[#picks + 1] = off .. "=" .. f:read(1)
  end
  f:seek("set", 1048570)
  local tail = f:read(100)
  say("big.dat: %d bytes, %s, tail read %d bytes, eof read %s", sizes, table.concat(picks, " "), #tail, tostring(f:read(1)))
  f:close()

  -- a hole: seek past the end and write; the gap reads back as zeros
  f = assert(io.open(p("hole.dat"), "wb"))
  f:write("start")
  f:seek("set", 200000)
  f:write("end")
  f:close()
  s = slurp("hole.dat")
  local zeros = select(2, s:sub(6, 200000):gsub("\0", ""))
  say("hole.dat: %d bytes, %d zero bytes in the gap, ends with %s", #s, zeros, s:sub(-3))
end

say("== 5. unbuffered and line-buffered small writes")
do
  local f = assert(io.open(p("small.txt"), "w"))
  f:setvbuf("no")
  for i = 1, 300 do f:write(i % 10) end
  f:setvbuf("line")
  for i = 1, 20 do f:write("\n", i) end
  f:close()
  local s = slurp("small.txt")
  say("small.txt: %d bytes, fnv %s", #s, fnv(s))
end

say("== 6. many files: create 200, remove every third, probe all")
do
  for i = 0, 199 do
    local f = assert(io.open(p(string.format("f%03d", i)), "w"))
    f:write(string.format("file %d\n", i))
    f:close()
  end
  local removed = 0
  for i = 0, 199, 3 do assert(os.remove(p(string.format("f%03d", i)))); removed = removed + 1 end
  local present, sum = {}, 0
  for i = 0, 199 do
    local s = slurp(string.format("f%03d", i))
    if s then present[#present + 1] = i; sum = sum + tonumber(s:match("%d+")) end
  end
  say("removed %d, present %d, sum %d, first %d last %d", removed, #present, sum, present[1], present[#present])
  for i = 0, 199 do os.remove(p(string.format("f%03d", i))) end
end

say("== 7. rename")
do
  local f = assert(io.open(p("r1.txt"), "w")); f:write("first\n"); f:close()
  f = assert(io.open(p("r2.txt"), "w")); f:write("second\n"); f:close()
  say("rename r1 -> r3: %s", tostring(os.rename(p("r1.txt"), p("r3.txt"))))
  say("open r1: %s", try_open("r1.txt", "r"))
  say("r3 holds: %s", (slurp("r3.txt"):gsub("\n", "")))
  -- rename over an existing file replaces it atomically
  say("rename r3 -> r2 (exists): %s", tostring(os.rename(p("r3.txt"), p("r2.txt"))))
  say("r2 holds: %s", (slurp("r2.txt"):gsub("\n", "")))
  local ok, err, code = os.rename(p("nope.txt"), p("r4.txt"))
  say("rename missing: %s %s (errno %s)", tostring(ok), clean(err), tostring(code))
  ok, err, code = os.rename(p("r2.txt"), p("missing-dir/r2.txt"))
  say("rename into missing dir: %s %s (errno %s)", tostring(ok), clean(err), tostring(code))
  ok, err, code = os.rename(p("r2.txt"), p("a.txt/r2.txt"))
  say("rename under a file: %s %s (errno %s)", tostring(ok), clean(err), tostring(code))
  say("rename to itself: %s", tostring(os.rename(p("r2.txt"), p("r2.txt"))))
end

say("== 8. errors from open and remove")
do
  say("open missing for r: %s", try_open("missing.txt", "r"))
  say("open missing for r+: %s", try_open("missing.txt", "r+"))
  say("open under a file: %s", try_open("a.txt/x", "w"))
  say("open in missing dir: %s", try_open("no/such/x", "w"))
  say("open name of 255 bytes: %s", try_open(string.rep("n", 255), "w"))
  os.remove(p(string.rep("n", 255)))
  say("open name of 256 bytes: %s", (try_open(string.rep("n", 256), "w"):gsub("^.*: ", "")))
  -- a directory opens for reading, but reading it fails; writing it fails at open
  local f, err, code = io.open(dir, "r")
  if f then
    local s, rerr, rcode = f:read("a")
    say("read a directory: %s %s (errno %s)", tostring(s), clean(rerr), tostring(rcode))
    f:close()
  else
    say("open a directory for r: %s (errno %d)", clean(err), code)
  end
  say("open a directory for w: %s", try_open("", "w"))
  local ok, rerr, rcode = os.remove(p("missing.txt"))
  say("remove missing: %s %s (errno %s)", tostring(ok), clean(rerr), tostring(rcode))
  ok, rerr, rcode = os.remove(dir)
  say("remove non-empty DIR: %s %s (errno %s)", tostring(ok), clean(rerr), tostring(rcode))
  f = assert(io.open(p("c.txt"), "w"))
  say("close: %s; second close: %s", tostring(f:close()), tostring(pcall(f.close, f)))
  say("io.type: %s", io.type(f))
  os.remove(p("c.txt"))
end

if procs then
  say("== 9. directories through a shell (os.execute, io.popen)")
  local q = "'" .. dir:gsub("'", "'\\''") .. "'"
  local ok, how, code = os.execute("mkdir -p " .. q .. "/keep/sub/deeper")
  say("mkdir -p: %s %s %s", tostring(ok), how, tostring(code))
  local f = assert(io.open(p("keep/sub/deeper/leaf.txt"), "w")); f:write("leaf\n"); f:close()
  f = assert(io.open(p("keep/top.txt"), "w")); f:write("top\n"); f:close()
  local ls = io.popen("cd " .. q .. " && ls -1 keep keep/sub keep/sub/deeper")
  for l in ls:lines() do say("ls: %s", l) end
  say("ls exit: %s", table.concat({ tostring(ls:close()) }, " "))
  ok, how, code = os.execute("exit 3")
  say("exit 3: %s %s %s", tostring(ok), how, tostring(code))
  say("remove non-empty dir: %s", tostring(select(3, os.remove(p("keep/sub")))))
  assert(os.remove(p("keep/sub/deeper/leaf.txt")))
  say("remove emptied dir: %s", tostring(os.remove(p("keep/sub/deeper"))))
end

say("== 10. what is left")
do
  assert(os.remove(p("w.txt"))); assert(os.remove(p("small.txt"))); assert(os.remove(p("r2.txt")))
  assert(os.rename(p("a.txt"), p("result.txt")))
  local f = assert(io.open(p("notes.txt"), "w"))
  f:write("written by tests/apps/lua/files.lua\n")
  f:close()
  -- Without a directory listing, probe every name this script may have made.
  local names = { "a.txt", "big.dat", "bin.dat", "c.txt", "hole.dat", "notes.txt", "r1.txt", "r2.txt",
    "r3.txt", "result.txt", "small.txt", "w.txt", "f000", "f001", "keep/top.txt", "keep/sub" }
  table.sort(names)
  for _, n in ipairs(names) do
    local s = slurp(n)
    if s then say("present: %-12s %7d bytes fnv %s", n, #s, fnv(s)) end
  end
  say("done")
end
