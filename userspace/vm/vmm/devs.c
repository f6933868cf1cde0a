// SPDX-License-Identifier: GPL-2.0
// devs.c - the Linux guest's port I/O: 8250 console, CMOS clock, channel, exit port, reset, PCI.
#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "vm_int.h"

#define COM1		0x3f8
#define COM1_IRQ	4
#define UART_IER_THRI	0x02
#define UART_LCR_DLAB	0x80
#define UART_MCR_LOOP	0x10
#define UART_LSR_IDLE	0x60	/* THR empty, transmitter empty; never any received data */
#define CMOS_INDEX	0x70
#define CMOS_DATA	0x71
#define KBD_STATUS	0x64
#define KBD_RESET	0xfe
#define PCI_RESET	0xcf9

/*
 * Output nobody reads any more (closed pipe) is dropped, not fatal to the VM.
 * A reader that keeps the pipe open and stops reading blocks the write until
 * the VM stops: the stop's kick interrupts it (EINTR, or a short count), and the
 * rest is dropped, so --timeout and a failure elsewhere still end the run.  (A
 * kick that lands just before the write begins finds nothing to interrupt.)
 */
static void write_all(struct linux_vm *vm, int fd, const uint8_t *p, size_t len)
{
	ssize_t n;

	while (fd >= 0 && len) {
		n = write(fd, p, len);
		/* interrupted, or cut short by the kick after some bytes: stopping drops the rest */
		if (__atomic_load_n(&vm->stop, __ATOMIC_ACQUIRE) != LINUX_RUNNING)
			return;
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		p += n;
		len -= n;
	}
}

/* ISA IRQs are edge-triggered (MP table: conforming): a pulse delivers one interrupt. */
static void uart_irq(struct linux_vm *vm)
{
	struct kvm_irq_level l = { .irq = COM1_IRQ, .level = 1 };

	if (!(vm->uart.ier & UART_IER_THRI) || !vm->uart.thre_pending)
		return;
	ioctl(vm->kvm.vm_fd, KVM_IRQ_LINE, &l);
	l.level = 0;
	ioctl(vm->kvm.vm_fd, KVM_IRQ_LINE, &l);
}

static uint8_t uart_msr(const struct linux_uart *u)
{
	/* Loopback wires DTR->DSR, RTS->CTS, OUT1->RI, OUT2->DCD: the driver's probe checks it. */
	if (u->mcr & UART_MCR_LOOP)
		return ((u->mcr & 1) << 5) | ((u->mcr & 2) << 3) | ((u->mcr & 4) << 4) |
		       ((u->mcr & 8) << 4);
	return 0xb0;	/* DCD DSR CTS */
}

static uint8_t uart_in(struct linux_vm *vm, unsigned int reg)
{
	struct linux_uart *u = &vm->uart;
	uint8_t v;

	switch (reg) {
	case 0:
		return u->lcr & UART_LCR_DLAB ? u->dll : 0;
	case 1:
		return u->lcr & UART_LCR_DLAB ? u->dlm : u->ier;
	case 2:
		v = (u->fcr & 1) ? 0xc0 : 0;
		if ((u->ier & UART_IER_THRI) && u->thre_pending) {
			u->thre_pending = 0;
			return v | 0x02;
		}
		return v | 0x01;
	case 3:
		return u->lcr;
	case 4:
		return u->mcr;
	case 5:
		return UART_LSR_IDLE;
	case 6:
		return uart_msr(u);
	default:
		return u->scr;
	}
}

/*
 * Keeps the console's last fatal line (a panic, a failed initramfs or init),
 * so a guest that resets says why even without --debug: "quiet loglevel=1"
 * still prints KERN_EMERG, which panics are.
 */
static void uart_line(struct linux_uart *u, uint8_t v)
{
	static const char *const fatal[] = { "Kernel panic", "Initramfs unpacking failed",
					     "Failed to execute", "Attempted to kill init" };
	unsigned int i;

	if (v != '\n' && v != '\r') {
		if (u->line_len < sizeof(u->line) - 1 && v >= 0x20 && v < 0x7f)
			u->line[u->line_len++] = v;
		return;
	}
	u->line[u->line_len] = 0;
	for (i = 0; i < sizeof(fatal) / sizeof(fatal[0]) && u->line_len; i++)
		if (strstr(u->line, fatal[i])) {
			memcpy(u->fatal, u->line, u->line_len + 1);
			break;
		}
	u->line_len = 0;
}

/*
 * A register write under vm->lock; the bytes for the log (at most two: a CR
 * before an LF on a terminal) go into @emit, written after the lock is let
 * go (a stalled reader must not hold the lock that stopping the VM takes).
 */
static size_t uart_out(struct linux_vm *vm, unsigned int reg, uint8_t v, uint8_t emit[2])
{
	struct linux_uart *u = &vm->uart;
	size_t n = 0;

	switch (reg) {
	case 0:
		if (u->lcr & UART_LCR_DLAB) {
			u->dll = v;
			return 0;
		}
		if (!(u->mcr & UART_MCR_LOOP)) {
			if (u->crlf && v == '\n' && u->last != '\r')
				emit[n++] = '\r';
			emit[n++] = v;
			u->last = v;
			uart_line(u, v);
		}
		u->thre_pending = 1;
		uart_irq(vm);
		return n;
	case 1:
		if (u->lcr & UART_LCR_DLAB) {
			u->dlm = v;
			return 0;
		}
		u->ier = v & 0x0f;
		u->thre_pending = 1;	/* enabling THRI on an empty THR raises it at once */
		uart_irq(vm);
		return 0;
	case 2:
		u->fcr = v;
		return 0;
	case 3:
		u->lcr = v;
		return 0;
	case 4:
		u->mcr = v & 0x1f;
		return 0;
	case 7:
		u->scr = v;
		return 0;
	}
	return 0;
}

/*
 * A read-only MC146818 CMOS clock in binary 24-hour mode, giving the host's
 * UTC time.  Without one the guest's RTC driver reads 0xff, takes the
 * update-in-progress bit as stuck and polls it for a second, twice per boot:
 * ~40000 port exits, seconds under nested virtualization.
 */
struct utc {
	unsigned int sec, min, hour, wday, mday, mon, year;
};

/*
 * UTC fields of @t (seconds since 1970), computed here: glibc's gmtime_r reads
 * /etc/localtime on its first call, a syscall the vCPU's seccomp filter kills.
 * Days to a civil date by counting 400-year eras that start on March 1st.
 */
static void utc_of(int64_t t, struct utc *u)
{
	int64_t days = t / 86400, secs = t % 86400, era, doe, yoe, doy, mp;

	if (secs < 0) {
		secs += 86400;
		days--;
	}
	u->sec = secs % 60;
	u->min = secs / 60 % 60;
	u->hour = secs / 3600;
	u->wday = (days % 7 + 11) % 7;		/* 1970-01-01 was a Thursday (4) */
	days += 719468;				/* from 0000-03-01 */
	era = (days >= 0 ? days : days - 146096) / 146097;
	doe = days - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	u->mday = doy - (153 * mp + 2) / 5 + 1;
	u->mon = mp < 10 ? mp + 3 : mp - 9;
	u->year = yoe + era * 400 + (u->mon <= 2);
}

static uint8_t cmos_in(const struct linux_vm *vm)
{
	unsigned int reg = vm->cmos_index & 0x7f;
	struct timespec ts;
	struct utc u = { 0 };

	/* clock_gettime, not time(): the vCPU's seccomp filter allows only the former. */
	if (reg <= 9 || reg == 0x32) {
		clock_gettime(CLOCK_REALTIME, &ts);
		utc_of(ts.tv_sec, &u);
	}
	switch (reg) {
	case 0x00: return u.sec;
	case 0x02: return u.min;
	case 0x04: return u.hour;
	case 0x06: return u.wday + 1;
	case 0x07: return u.mday;
	case 0x08: return u.mon;
	case 0x09: return u.year % 100;
	case 0x32: return u.year / 100;	/* century */
	case 0x0a: return 0x26;		/* 32.768 kHz, 1024 Hz; never updating (UIP 0) */
	case 0x0b: return 0x06;		/* binary, 24-hour; no interrupts */
	case 0x0d: return 0x80;		/* battery good: time valid */
	default: return 0;		/* alarms, flags, CMOS RAM */
	}
}

static void chan_out(struct linux_vm *vm, uint32_t v)
{
	uint32_t len = v & ~KISTE_CHAN_OUT_STDERR;

	/* The agent's first (empty) write marks the end of the kernel's boot (stats). */
	if (!vm->t_agent_ns)
		vm->t_agent_ns = linux_now_ns();
	/* The length comes from the guest: never read past the buffer. */
	if (len > KISTE_CHAN_OUT_SIZE)
		len = KISTE_CHAN_OUT_SIZE;
	write_all(vm, v & KISTE_CHAN_OUT_STDERR ? vm->cfg->err_fd : vm->cfg->out_fd,
		  vm->chan_out, len);
}

/* One port write of @size bytes; returns -1 when the VM must stop. */
static int port_out(struct linux_vcpu *vc, uint16_t port, uint32_t v)
{
	struct linux_vm *vm = vc->vm;
	uint8_t emit[2];
	size_t n;

	if (port >= COM1 && port < COM1 + 8) {
		pthread_mutex_lock(&vm->lock);
		n = uart_out(vm, port - COM1, (uint8_t)v, emit);
		pthread_mutex_unlock(&vm->lock);
		write_all(vm, vm->cfg->log_fd, emit, n);
		return 0;
	}
	switch (port) {
	case CMOS_INDEX:
		vm->cmos_index = v;	/* vCPUs race only with a guest that races itself */
		return 0;
	case KISTE_CHAN_PORT_OUT:
		chan_out(vm, v);
		return 0;
	case KISTE_CHAN_PORT_EXIT:
		if ((v & 0xffff0000u) != KISTE_CHAN_EXIT_MAGIC)
			return 0;
		linux_vm_stop(vm, LINUX_EXITED, v & 0xff, NULL);
		return -1;
	case KBD_STATUS:
		if ((v & 0xff) != KBD_RESET)
			return 0;
		break;
	case PCI_RESET:
		if (!(v & 0x04))
			return 0;
		break;
	default:
		return 0;
	}
	linux_vm_stop(vm, LINUX_RESET, 0, "the guest reset itself");
	return -1;
}

static uint32_t port_in(struct linux_vcpu *vc, uint16_t port)
{
	struct linux_vm *vm = vc->vm;
	uint32_t v;

	if (port >= COM1 && port < COM1 + 8) {
		pthread_mutex_lock(&vm->lock);
		v = uart_in(vm, port - COM1);
		pthread_mutex_unlock(&vm->lock);
		return v;
	}
	if (port == CMOS_DATA)
		return cmos_in(vm);
	/* Absent hardware (other UARTs, i8042, PCI config) floats high. */
	return 0xffffffffu;
}

int linux_devs_io(struct linux_vcpu *vc)
{
	struct kvm_run *run = vc->run;
	uint8_t *data = (uint8_t *)run + run->io.data_offset;
	unsigned int size = run->io.size, i;
	uint32_t v;

	if (size != 1 && size != 2 && size != 4)
		return 0;
	for (i = 0; i < run->io.count; i++, data += size) {
		/* PCI configuration only when there are devices (else pci=off: never asked). */
		if (vc->vm->pci.nslots &&
		    linux_pci_port(&vc->vm->pci, run->io.port, data, size,
				   run->io.direction == KVM_EXIT_IO_OUT))
			continue;
		if (run->io.direction == KVM_EXIT_IO_OUT) {
			v = 0;
			memcpy(&v, data, size);
			if (port_out(vc, run->io.port, v) < 0)
				return -1;
		} else {
			v = port_in(vc, run->io.port);
			memcpy(data, &v, size);
		}
	}
	return 0;
}
