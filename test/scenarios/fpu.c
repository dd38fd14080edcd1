/*
 * Floating-point and vector registers live across the checkpoint. Inline
 * assembly keeps all sixteen ymm registers (double and integer lanes), the
 * x87 stack, and on AVX-512 machines zmm16..zmm24 and the opmask k1, busy in
 * a tight loop of exact additions, so the checkpoint almost always lands
 * while the values exist only in registers. The results are compared with
 * values computed from the iteration count, and the rounding mode and
 * MXCSR/x87 control words set at the start are checked after the restart.
 */
#include "scenario.h"
#include <fenv.h>
#include <stdint.h>

#define N_ITER 4000000UL

/* ymm0: doubles, ymm1: their increment; ymm3: integer increment;
 * ymm2, ymm4..ymm15: integer accumulators. */
static uint64_t ymm[16][4] __attribute__((aligned(32)));
static uint64_t ymm_init[16][4];
static double x87_acc = 1.0;
static const double x87_inc = 0.75;
static uint64_t zmm[9][8] __attribute__((aligned(64))); /* 16..23 acc, 24 inc */
static uint64_t zmm_init[9][8];
static uint64_t kmask = 0x55, kmask_out;

static void run_avx2(unsigned long n)
{
	__asm__ volatile(
		"vmovdqu 0(%[y]), %%ymm0\n\t"
		"vmovdqu 32(%[y]), %%ymm1\n\t"
		"vmovdqu 64(%[y]), %%ymm2\n\t"
		"vmovdqu 96(%[y]), %%ymm3\n\t"
		"vmovdqu 128(%[y]), %%ymm4\n\t"
		"vmovdqu 160(%[y]), %%ymm5\n\t"
		"vmovdqu 192(%[y]), %%ymm6\n\t"
		"vmovdqu 224(%[y]), %%ymm7\n\t"
		"vmovdqu 256(%[y]), %%ymm8\n\t"
		"vmovdqu 288(%[y]), %%ymm9\n\t"
		"vmovdqu 320(%[y]), %%ymm10\n\t"
		"vmovdqu 352(%[y]), %%ymm11\n\t"
		"vmovdqu 384(%[y]), %%ymm12\n\t"
		"vmovdqu 416(%[y]), %%ymm13\n\t"
		"vmovdqu 448(%[y]), %%ymm14\n\t"
		"vmovdqu 480(%[y]), %%ymm15\n\t"
		"fldl %[inc]\n\t"
		"fldl %[acc]\n\t"
		"1:\n\t"
		"vaddpd %%ymm1, %%ymm0, %%ymm0\n\t"
		"vpaddq %%ymm3, %%ymm2, %%ymm2\n\t"
		"vpaddq %%ymm3, %%ymm4, %%ymm4\n\t"
		"vpaddq %%ymm3, %%ymm5, %%ymm5\n\t"
		"vpaddq %%ymm3, %%ymm6, %%ymm6\n\t"
		"vpaddq %%ymm3, %%ymm7, %%ymm7\n\t"
		"vpaddq %%ymm3, %%ymm8, %%ymm8\n\t"
		"vpaddq %%ymm3, %%ymm9, %%ymm9\n\t"
		"vpaddq %%ymm3, %%ymm10, %%ymm10\n\t"
		"vpaddq %%ymm3, %%ymm11, %%ymm11\n\t"
		"vpaddq %%ymm3, %%ymm12, %%ymm12\n\t"
		"vpaddq %%ymm3, %%ymm13, %%ymm13\n\t"
		"vpaddq %%ymm3, %%ymm14, %%ymm14\n\t"
		"vpaddq %%ymm3, %%ymm15, %%ymm15\n\t"
		"fadd %%st(1), %%st\n\t"
		"dec %[n]\n\t"
		"jnz 1b\n\t"
		"fstpl %[acc]\n\t"
		"fstp %%st(0)\n\t"
		"vmovdqu %%ymm0, 0(%[y])\n\t"
		"vmovdqu %%ymm1, 32(%[y])\n\t"
		"vmovdqu %%ymm2, 64(%[y])\n\t"
		"vmovdqu %%ymm3, 96(%[y])\n\t"
		"vmovdqu %%ymm4, 128(%[y])\n\t"
		"vmovdqu %%ymm5, 160(%[y])\n\t"
		"vmovdqu %%ymm6, 192(%[y])\n\t"
		"vmovdqu %%ymm7, 224(%[y])\n\t"
		"vmovdqu %%ymm8, 256(%[y])\n\t"
		"vmovdqu %%ymm9, 288(%[y])\n\t"
		"vmovdqu %%ymm10, 320(%[y])\n\t"
		"vmovdqu %%ymm11, 352(%[y])\n\t"
		"vmovdqu %%ymm12, 384(%[y])\n\t"
		"vmovdqu %%ymm13, 416(%[y])\n\t"
		"vmovdqu %%ymm14, 448(%[y])\n\t"
		"vmovdqu %%ymm15, 480(%[y])\n\t"
		"vzeroupper\n\t"
		: [n] "+r"(n), [acc] "+m"(x87_acc)
		: [y] "r"(ymm), [inc] "m"(x87_inc)
		: "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8",
		  "xmm9", "xmm10", "xmm11", "xmm12", "xmm13", "xmm14", "xmm15",
		  "st", "st(1)", "memory", "cc");
}

__attribute__((target("avx512f")))
static void run_avx512(unsigned long n)
{
	__asm__ volatile(
		"kmovw %[k], %%k1\n\t"
		"vmovdqu64 0(%[z]), %%zmm16\n\t"
		"vmovdqu64 64(%[z]), %%zmm17\n\t"
		"vmovdqu64 128(%[z]), %%zmm18\n\t"
		"vmovdqu64 192(%[z]), %%zmm19\n\t"
		"vmovdqu64 256(%[z]), %%zmm20\n\t"
		"vmovdqu64 320(%[z]), %%zmm21\n\t"
		"vmovdqu64 384(%[z]), %%zmm22\n\t"
		"vmovdqu64 448(%[z]), %%zmm23\n\t"
		"vmovdqu64 512(%[z]), %%zmm24\n\t"
		"1:\n\t"
		"vpaddq %%zmm24, %%zmm16, %%zmm16%{%%k1%}\n\t"
		"vpaddq %%zmm24, %%zmm17, %%zmm17%{%%k1%}\n\t"
		"vpaddq %%zmm24, %%zmm18, %%zmm18%{%%k1%}\n\t"
		"vpaddq %%zmm24, %%zmm19, %%zmm19%{%%k1%}\n\t"
		"vpaddq %%zmm24, %%zmm20, %%zmm20%{%%k1%}\n\t"
		"vpaddq %%zmm24, %%zmm21, %%zmm21%{%%k1%}\n\t"
		"vpaddq %%zmm24, %%zmm22, %%zmm22%{%%k1%}\n\t"
		"vpaddq %%zmm24, %%zmm23, %%zmm23%{%%k1%}\n\t"
		"dec %[n]\n\t"
		"jnz 1b\n\t"
		"vmovdqu64 %%zmm16, 0(%[z])\n\t"
		"vmovdqu64 %%zmm17, 64(%[z])\n\t"
		"vmovdqu64 %%zmm18, 128(%[z])\n\t"
		"vmovdqu64 %%zmm19, 192(%[z])\n\t"
		"vmovdqu64 %%zmm20, 256(%[z])\n\t"
		"vmovdqu64 %%zmm21, 320(%[z])\n\t"
		"vmovdqu64 %%zmm22, 384(%[z])\n\t"
		"vmovdqu64 %%zmm23, 448(%[z])\n\t"
		"vmovdqu64 %%zmm24, 512(%[z])\n\t"
		"kmovw %%k1, %[kout]\n\t"
		: [n] "+r"(n), [kout] "=m"(kmask_out)
		: [z] "r"(zmm), [k] "m"(kmask)
		: "xmm16", "xmm17", "xmm18", "xmm19", "xmm20", "xmm21", "xmm22", "xmm23",
		  "xmm24", "k1", "memory", "cc");
}

static void check_avx2(unsigned long total)
{
	double *d = (double *)ymm[0], *d0 = (double *)ymm_init[0], *inc = (double *)ymm[1];
	for (int l = 0; l < 4; l++)
		CHECK(d[l] == d0[l] + (double)total * inc[l], "ymm0 lane %d is %g, want %g",
		      l, d[l], d0[l] + (double)total * inc[l]);
	CHECK(memcmp(ymm[1], ymm_init[1], 32) == 0, "ymm1 changed");
	CHECK(memcmp(ymm[3], ymm_init[3], 32) == 0, "ymm3 changed");
	for (int r = 2; r < 16; r++) {
		if (r == 3)
			continue;
		for (int l = 0; l < 4; l++) {
			uint64_t want = ymm_init[r][l] + total * ymm_init[3][l];
			CHECK(ymm[r][l] == want, "ymm%d lane %d is %#lx, want %#lx", r, l,
			      (unsigned long)ymm[r][l], (unsigned long)want);
		}
	}
	double want = 1.0 + (double)total * x87_inc;
	CHECK(x87_acc == want, "x87 accumulator %g, want %g", x87_acc, want);
}

static void check_avx512(unsigned long total)
{
	CHECK(kmask_out == kmask, "k1 is %#lx, want %#lx", (unsigned long)kmask_out, (unsigned long)kmask);
	CHECK(memcmp(zmm[8], zmm_init[8], 64) == 0, "zmm24 changed");
	for (int r = 0; r < 8; r++)
		for (int l = 0; l < 8; l++) {
			uint64_t want = zmm_init[r][l] + ((kmask >> l) & 1 ? total * zmm_init[8][l] : 0);
			CHECK(zmm[r][l] == want, "zmm%d lane %d is %#lx, want %#lx", r + 16, l,
			      (unsigned long)zmm[r][l], (unsigned long)want);
		}
}

static unsigned mxcsr(void)
{
	unsigned m;
	__asm__ volatile("stmxcsr %0" : "=m"(m));
	return m;
}

static unsigned short x87_cw(void)
{
	unsigned short cw;
	__asm__ volatile("fnstcw %0" : "=m"(cw));
	return cw;
}

int main(int argc, char **argv)
{
	scen_init(argc, argv);
	__builtin_cpu_init();
	CHECK(__builtin_cpu_supports("avx2"), "this scenario needs AVX2");
	int has512 = __builtin_cpu_supports("avx512f");

	unsigned long long seed = 0x1234567887654321ULL;
	double *d = (double *)ymm[0], *inc = (double *)ymm[1];
	for (int l = 0; l < 4; l++) {
		d[l] = 1.0 + l;
		inc[l] = 0.5 / (1 << l) + l;
	}
	for (int r = 2; r < 16; r++)
		for (int l = 0; l < 4; l++)
			ymm[r][l] = r == 3 ? (uint64_t)(2 * l + 1) : scen_xorshift(&seed);
	memcpy(ymm_init, ymm, sizeof ymm);
	for (int r = 0; r < 9; r++)
		for (int l = 0; l < 8; l++)
			zmm[r][l] = r == 8 ? (uint64_t)(3 * l + 1) : scen_xorshift(&seed);
	memcpy(zmm_init, zmm, sizeof zmm);

	/* Toward zero, and flush-to-zero: values a restart would reset. */
	fesetround(FE_TOWARDZERO);
	unsigned m = mxcsr() | 0x8000;
	__asm__ volatile("ldmxcsr %0" : : "m"(m));
	unsigned want_mxcsr = mxcsr() & ~0x3fu; /* ignore sticky exception flags */
	unsigned short want_cw = x87_cw();
	printf("avx512 %s\n", has512 ? "yes" : "no");

	unsigned long total = 0;
	int said_ready = 0;
	for (;;) {
		run_avx2(N_ITER);
		if (has512)
			run_avx512(N_ITER);
		total += N_ITER;
		check_avx2(total);
		if (has512)
			check_avx512(total);
		if (!said_ready) {
			scen_ready();
			said_ready = 1;
		} else if (scen_go()) {
			break;
		}
	}
	CHECK(fegetround() == FE_TOWARDZERO, "rounding mode reset");
	CHECK((mxcsr() & ~0x3fu) == want_mxcsr, "MXCSR %#x, want %#x", mxcsr() & ~0x3fu, want_mxcsr);
	CHECK(x87_cw() == want_cw, "x87 control word %#x, want %#x", x87_cw(), want_cw);
	printf("iterations %lu\n", total);
	scen_pass();
}
