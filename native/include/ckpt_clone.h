/*
 * A thread made by a raw clone system call, without libc: the restorer's
 * (which has no libc) and the forked writer's second thread (which must not
 * touch libc's thread state, see lib/chunk_helper.c).
 *
 *   long NAME(unsigned long flags, void *stack, void (*fn)(void *), void *arg,
 *             volatile int32_t *ctid);
 *
 * clone(flags, stack, 0, ctid, 0): the new thread finds fn and arg on its
 * stack and calls fn(arg), which must end the thread itself (exit). ctid is
 * cleared by the kernel (and a futex wake sent) once the thread has exited,
 * with CLONE_CHILD_CLEARTID. The caller gets the new thread's id, or -errno.
 */
#ifndef CKPT_CLONE_H
#define CKPT_CLONE_H
#define CKPT_CLONE_ASM(name, hidden)                                     \
	__asm__(".text\n" hidden ".globl " #name "\n" #name ":\n"      \
		"  sub $16, %rsi\n"                                    \
		"  mov %rdx, 0(%rsi)\n" /* fn */                       \
		"  mov %rcx, 8(%rsi)\n" /* arg */                      \
		"  mov $56, %eax\n"                                    \
		"  xor %edx, %edx\n"                                   \
		"  mov %r8, %r10\n" /* ctid */                         \
		"  xor %r8d, %r8d\n"                                   \
		"  syscall\n"                                          \
		"  test %rax, %rax\n"                                  \
		"  jnz 1f\n"                                           \
		"  pop %rax\n"                                         \
		"  pop %rdi\n"                                         \
		"  call *%rax\n"                                       \
		"  ud2\n"                                              \
		"1: ret\n")
#endif
