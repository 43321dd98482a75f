/*
 * lwIP's operating-system types for the Bothy kernel (lwIP's
 * doc/sys_arch.txt); the functions are in kernel/net/sys_arch.c.
 *
 * Everything lwIP does runs under the kernel lock, so a mutex is a
 * no-op, and a semaphore or mailbox only needs a wait queue for the
 * threads that block on it (they keep the lock across the switch, as
 * every waiting kernel path does: include/sched.h).
 */
#ifndef BOTHY_LWIP_SYS_ARCH_H
#define BOTHY_LWIP_SYS_ARCH_H

struct thread;
struct sys_sem;
struct sys_mbox;

/* A semaphore or mailbox is a pointer to a kmalloc'ed object: NULL is
 * "invalid", as sys_sem_valid() and sys_mbox_valid() ask. */
typedef struct sys_sem *sys_sem_t;
typedef struct sys_mbox *sys_mbox_t;
/* A mutex is only a validity flag: the kernel lock already excludes
 * (sys_mutex_lock and sys_mutex_unlock do nothing). */
typedef struct {
	int valid;
} sys_mutex_t;
typedef struct thread *sys_thread_t;

#define SYS_MBOX_NULL NULL
#define SYS_SEM_NULL  NULL

#define sys_sem_valid(s)         (*(s) != NULL)
#define sys_sem_set_invalid(s)   (*(s) = NULL)
#define sys_mbox_valid(m)        (*(m) != NULL)
#define sys_mbox_set_invalid(m)  (*(m) = NULL)
#define sys_mutex_valid(m)       ((m)->valid)
#define sys_mutex_set_invalid(m) ((m)->valid = 0)

#endif
