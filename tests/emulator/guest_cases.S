# Tiny riscv32 guests for the emulator's unit test. Each t_* label is an
# entry point the test boots with its own BootInfo; f_* labels mark the
# instruction a test expects a fault at. Linked with text at 0x10000, data at
# 0x20000, read-only data at 0x30000 and a writable+executable page at 0x40000.
        .option norvc
        .text
        .globl _start
_start:
# write(1, msg, 6) then exit with write's result: checks args, a0 and kExit.
        .globl t_write_exit
t_write_exit:
        li a0, 1
        la a1, msg
        li a2, 6
        li a7, 64
        ecall
        li a7, 93
        ecall

# A loop whose loads walk off the end of the data page: the block that faults
# has run before, and the pc Unicorn reports is the block's start.
        .globl t_fault_load
t_fault_load:
        la t0, data_page
        li t2, 256
1:      addi a0, a0, 1
        addi a0, a0, 1
        .globl f_fault_load
f_fault_load:
        lw a1, 0(t0)
        add t0, t0, t2
        j 1b

# A store to read-only data.
        .globl t_fault_rostore
t_fault_rostore:
        la t0, rodata_word
        addi a0, a0, 1
        .globl f_fault_rostore
f_fault_rostore:
        sw a0, 4(t0)
        ebreak

# A load that straddles into an unmapped page: si_addr is the page boundary.
        .globl t_fault_cross
t_fault_cross:
        la t0, data_end
        addi t0, t0, -2
        .globl f_fault_cross
f_fault_cross:
        lw a1, 0(t0)
        ebreak

        .globl t_fault_illegal
t_fault_illegal:
        addi a0, a0, 1
        .globl f_fault_illegal
f_fault_illegal:
        .word 0xffffffff

        .globl t_fault_ebreak
t_fault_ebreak:
        addi a0, a0, 1
        .globl f_fault_ebreak
f_fault_ebreak:
        ebreak

        .globl t_fault_amo
t_fault_amo:
        la t0, data_page
        addi t0, t0, 2
        .globl f_fault_amo
f_fault_amo:
        amoadd.w a1, a1, (t0)
        ebreak

# Jump into the (non-executable) data page.
        .globl t_fault_nx
t_fault_nx:
        la t0, data_page
        jr t0

# Misaligned plain loads and stores work (as on qemu-riscv32); exit with the
# value read back through a misaligned load.
        .globl t_misaligned
t_misaligned:
        la t0, data_page
        li t1, 0x11223344
        sw t1, 1(t0)
        lhu a0, 2(t0)
        li a7, 93
        ecall

# mmap2 an anonymous page (kMap), store through it, mprotect it read-only
# (kProtect), exit(0) — then a store faults only if the protect took effect.
        .globl t_mmap
t_mmap:
        li a0, 0
        li a1, 4096
        li a2, 3
        li a3, 0x22
        li a4, -1
        li a5, 0
        li a7, 222
        ecall
        mv s0, a0
        li t1, 0x5a5a
        sw t1, 16(s0)
        lw s1, 16(s0)
        mv a0, s0
        li a1, 4096
        li a2, 1
        li a7, 226
        ecall
        .globl f_mmap_store
f_mmap_store:
        sw t1, 20(s0)
        ebreak

# A test-only call (nr 1000) answered with kSetThreadPointer(a0); exit(tp).
        .globl t_tp
t_tp:
        li a0, 77
        li a7, 1000
        ecall
        mv a0, tp
        li a7, 93
        ecall

# Self-modifying code: run a stub in the W+X page, patch its immediate with a
# store, fence.i, run it again; then let the kernel host patch it (read(2)
# into the page), fence.i, run it a third time. exit(r1*10000 + r2*100 + r3).
        .globl t_fencei
t_fencei:
        la s0, jit_stub
        jalr s0             # returns 1
        mv s1, a0
        li t0, 0x00200513   # addi a0, x0, 2
        sw t0, 0(s0)
        fence.i
        jalr s0             # returns 2
        li t1, 100
        mul s1, s1, t1
        add s1, s1, a0
        li a0, 0
        mv a1, s0
        li a2, 4
        li a7, 63           # read(0, jit_stub, 4): the test writes addi a0,x0,3
        ecall
        fence.i
        jalr s0             # returns 3
        li t1, 100
        mul s1, s1, t1
        add a0, s1, a0
        li t1, 255
        and a0, a0, t1      # exit status is 8 bits: (1*10000+2*100+3) & 255
        li a7, 93
        ecall

# Signals. Test-only calls of the fake kernel host (fake_port.h): 1001
# installs a handler for faults (a0), 1002 answers -EINTR with SIGALRM for
# handler a2 (a1: SA_RESTART) once and a0 + 1 after, 1003 sends kWakeSignal
# to this thread 20 ms later and answers the signal check with SIGUSR1 for
# handler a0; 1004 sends a1 wakes 2 ms apart, each answered so. Handlers return through the trampoline the test names as
# BootInfo::sigreturn.

# A SIGILL handler that moves the saved pc past the instruction; a0, s0 and
# s11 survive the handler's clobbers. exit(5 + 11 + SIGILL) = 20.
        .globl t_sig_skip
t_sig_skip:
        la a0, h_skip
        li a7, 1001
        ecall
        li s0, 1000
        li s11, 11
        li a0, 5
        .globl f_sig_skip
f_sig_skip:
        .word 0xffffffff
        add a0, a0, s0
        add a0, a0, s11
        la t0, sig_seen
        lw t1, 0(t0)
        add a0, a0, t1
        sub a0, a0, s0
        li a7, 93
        ecall

# Entered as Linux enters a handler: a0 = sig, a1 = &info = sp, a2 = &uc.
h_skip:
        bne a1, sp, 1f
        addi t0, sp, 128
        bne a2, t0, 1f
        lw t1, 0(a1)            # si_signo
        bne t1, a0, 1f
        la t0, sig_seen
        sw a0, 0(t0)
        lw t1, 160(a2)          # uc_mcontext.__gregs[0]: the pc
        addi t1, t1, 4
        sw t1, 160(a2)
        li s0, 0
        li s11, 0
        li a0, 0
        ret
1:      li a0, 99
        li a7, 93
        ecall

# A call interrupted by SIGALRM: with SA_RESTART (a1 = 1) it is made again
# after the handler and returns 8; without, it returns -EINTR.
# exit(result + 10 * handler runs).
        .globl t_sig_restart
t_sig_restart:
        li a1, 1
        j 1f
        .globl t_sig_norestart
t_sig_norestart:
        li a1, 0
1:      la s1, handled
        la a2, h_count
        li a0, 7
        li a7, 1002
        ecall
        lw t1, 0(s1)
        li t2, 10
        mul t1, t1, t2
        add a0, a0, t1
        li a7, 93
        ecall

        .globl h_count
h_count:
        la t0, handled
        lw t1, 0(t0)
        addi t1, t1, 1
        sw t1, 0(t0)
        li a0, 0
        li a1, 0
        li a7, 0
        ret

# A guest spinning in its own code, woken: the handler (SIGUSR1) sets the
# flag the loop waits for, clobbering the loop's t0. exit(flag) = 10. The
# handler is installed with rt_sigaction first: that is what makes the
# emulator stop for wakes anywhere (its block hook).
        .globl t_sig_wake
t_sig_wake:
        li a0, 10
        la a1, act_flag
        li a2, 0
        li a3, 8
        li a7, 134
        ecall
        la a0, h_flag
        li a7, 1003
        ecall
        la t0, flag
1:      lw t1, 0(t0)
        beqz t1, 1b
        mv a0, t1
        li a7, 93
        ecall

        .globl h_flag
h_flag:
        la t0, flag
        sw a0, 0(t0)
        li t0, 0
        ret

# Twenty wakes 2 ms apart while a loop pushes, stores, loads back and pops:
# every stop must resume exactly where it was (Unicorn 2.0.1 reports a block's
# start after an asynchronous stop in its middle). exit(0) if every check held.
        .globl t_sig_wake_loop
t_sig_wake_loop:
        li a0, 10
        la a1, act_count
        li a2, 0
        li a3, 8
        li a7, 134
        ecall
        la a0, h_count
        li a1, 20
        li a7, 1004
        ecall
        mv s0, sp
        la s1, handled
        li s2, 0
1:      addi sp, sp, -16
        addi s2, s2, 1
        sw s2, 0(sp)
        sw s2, 4(sp)
        lw t1, 0(sp)
        lw t2, 4(sp)
        bne t1, s2, 9f
        bne t2, s2, 9f
        addi sp, sp, 16
        lw t3, 0(s1)
        li t4, 20
        blt t3, t4, 1b
        bne sp, s0, 9f
        li a0, 0
        li a7, 93
        ecall
9:      li a0, 1
        li a7, 93
        ecall

# fork through a port that cannot: kPsxForkDone carries -ENOSYS, whose
# answer is fork's result. exit(-result) = 38.
        .globl t_fork_unsupported
t_fork_unsupported:
        li a0, 17
        li a1, 0
        li a7, 220
        ecall
        neg a0, a0
        li a7, 93
        ecall

        .globl sigreturn_tramp
sigreturn_tramp:
        li a7, 139
        ecall

        .section .jit, "awx"
        .globl jit_stub
jit_stub:
        addi a0, x0, 1
        ret
        .balign 4096

        .section .rodata
        .globl rodata_word
rodata_word:
        .word 0x1234
msg:    .ascii "hello\n"
        .balign 4096

        .data
        .globl data_page
data_page:
        .word 0
sig_seen:
        .word 0
handled:
        .word 0
flag:
        .word 0
act_flag:
        .word h_flag, 0, 0, 0, 0
act_count:
        .word h_count, 0, 0, 0, 0
        .balign 4096
        .globl data_end
data_end:
