// The only `syscall` instructions of the guest host process once a native
// guest runs. They sit in one section whose bounds are given to Syscall User
// Dispatch as the always-allowed range, so the shim's own calls (and the
// SIGSYS handler's rt_sigreturn) are never trapped.
    .section .text.psx_sud_allowed,"ax",@progbits
    .globl psx_sud_allowed_start
    .hidden psx_sud_allowed_start
psx_sud_allowed_start:

// long psx_raw_syscall(long nr, long a, long b, long c, long d, long e, long f)
    .globl psx_raw_syscall
    .hidden psx_raw_syscall
    .type psx_raw_syscall,@function
psx_raw_syscall:
    mov %rdi, %rax
    mov %rsi, %rdi
    mov %rdx, %rsi
    mov %rcx, %rdx
    mov %r8, %r10
    mov %r9, %r8
    mov 8(%rsp), %r9
    syscall
    ret
    .size psx_raw_syscall, .-psx_raw_syscall

// sa_restorer of the shim's SIGSYS handler.
    .globl psx_sigreturn_restorer
    .hidden psx_sigreturn_restorer
    .type psx_sigreturn_restorer,@function
psx_sigreturn_restorer:
    mov $15, %eax          // rt_sigreturn
    syscall
    hlt
    .size psx_sigreturn_restorer, .-psx_sigreturn_restorer

// long psx_clone_thread(long flags, void* stack, long tls, void* arg)
// A new host thread on `stack` that calls psx_thread_start(arg); the caller
// gets the new thread's host tid or -errno.
    .globl psx_clone_thread
    .hidden psx_clone_thread
    .type psx_clone_thread,@function
psx_clone_thread:
    mov %rcx, %r9          // arg (kept in the child: clone copies the registers)
    mov %rdx, %r8          // tls
    xor %edx, %edx         // parent_tid
    xor %r10d, %r10d       // child_tid
    mov $56, %eax          // clone
    syscall
    test %rax, %rax
    jnz 1f
    mov %r9, %rdi
    and $-16, %rsp
    call psx_thread_start
    hlt
1:  ret
    .size psx_clone_thread, .-psx_clone_thread

// void psx_enter_context(void* uc): rt_sigreturn through a frame built in
// place (the kernel finds the ucontext at rsp).
    .globl psx_enter_context
    .hidden psx_enter_context
    .type psx_enter_context,@function
psx_enter_context:
    mov %rdi, %rsp
    mov $15, %eax
    syscall
    hlt
    .size psx_enter_context, .-psx_enter_context

// void psx_thread_exit(uint64_t base, uint64_t len): unmaps the thread's own
// stacks and ends it, touching no stack after the unmap.
    .globl psx_thread_exit
    .hidden psx_thread_exit
    .type psx_thread_exit,@function
psx_thread_exit:
    mov $11, %eax          // munmap
    syscall
    xor %edi, %edi
    mov $60, %eax          // exit (this thread)
    syscall
    hlt
    .size psx_thread_exit, .-psx_thread_exit

    .globl psx_sud_allowed_end
    .hidden psx_sud_allowed_end
psx_sud_allowed_end:

    .text
// void psx_enter_guest(uint64_t entry, uint64_t sp, volatile uint8_t* selector)
// Closes the dispatch selector and jumps to the guest's entry with the
// registers Linux gives a new program: zero, except %rsp.
    .globl psx_enter_guest
    .hidden psx_enter_guest
    .type psx_enter_guest,@function
psx_enter_guest:
    movb $1, (%rdx)        // SYSCALL_DISPATCH_FILTER_BLOCK
    mov %rsi, %rsp
    push %rdi
    xor %eax, %eax
    xor %ebx, %ebx
    xor %ecx, %ecx
    xor %edx, %edx
    xor %esi, %esi
    xor %edi, %edi
    xor %ebp, %ebp
    xor %r8d, %r8d
    xor %r9d, %r9d
    xor %r10d, %r10d
    xor %r11d, %r11d
    xor %r12d, %r12d
    xor %r13d, %r13d
    xor %r14d, %r14d
    xor %r15d, %r15d
    ret
    .size psx_enter_guest, .-psx_enter_guest

    .section .note.GNU-stack,"",@progbits
