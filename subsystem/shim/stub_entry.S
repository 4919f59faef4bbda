// psx_stub_entry: the common tail of every rewritten site's stub.
// On entry (from `jmp *slot(%rip)` in a stub):
//   %rax = system call number, %rcx = where to resume in the stub,
//   %rdi %rsi %rdx %r10 %r8 %r9 = arguments, %rsp = the guest's stack.
// The guest's stack is never written (its red zone lies below %rsp): the
// first thing done is to move to the shim's stack, found at %gs:0 (the
// per-thread block; %fs is the guest's). Like a real syscall, only %rax
// (the result), %rcx (resume address) and %r11 (rflags) change; rflags
// itself, and every other register, are as the guest left them. The C side
// is built without SSE, so vector registers need no saving.
    .text
    .globl psx_stub_entry
    .hidden psx_stub_entry
    .type psx_stub_entry,@function
psx_stub_entry:
    mov %rsp, %r11
    mov %gs:0, %rsp          // ThreadBlock::stack_top (16-byte aligned)
    push %r11                // the guest's %rsp
    push %rcx                // resume address
    pushfq
    cld                      // the C ABI wants DF clear
    push %r9                 // args[5] .. args[0]: the array psx_stub_syscall reads
    push %r8
    push %r10
    push %rdx
    push %rsi
    push %rdi
    mov %rax, %rdi
    mov %rsp, %rsi
    sub $8, %rsp             // 9 pushes so far: realign to 16 for the call
    call psx_stub_syscall
    add $8, %rsp
    pop %rdi
    pop %rsi
    pop %rdx
    pop %r10
    pop %r8
    pop %r9
    mov (%rsp), %r11         // rflags, where a real syscall leaves them
    popfq
    pop %rcx
    pop %rsp                 // back on the guest's stack
    jmp *%rcx
    .size psx_stub_entry, .-psx_stub_entry

// psx_bounce_pad: where a stub resumes when its call needs the guest's whole
// register set (shim.h). Outside the allowed range, so this `syscall` (with
// rax = kBounceNr) traps into the SIGSYS handler with every guest register.
    .globl psx_bounce_pad
    .hidden psx_bounce_pad
    .globl psx_bounce_pad_end
    .hidden psx_bounce_pad_end
psx_bounce_pad:
    syscall
psx_bounce_pad_end:
    ud2

    .section .note.GNU-stack,"",@progbits
