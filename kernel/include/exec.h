/* Starting the program: the ELF loader and the initial stack. */
#ifndef BOTHY_EXEC_H
#define BOTHY_EXEC_H
#include <kernel.h>

/*
 * exec_start - load the ELF image at physical [image_pa, image_pa+size)
 * (page aligned), build the initial stack Linux builds (System V x86_64
 * psABI 3.4.1; fs/binfmt_elf.c create_elf_tables: argc, argv, envp, auxv)
 * from argv[0..argc) and envp[0..envc), and enter the program in user mode.
 * A dynamic program's interpreter (PT_INTERP) is loaded from the guest's
 * files. Returns only on failure: -ENOEXEC (with *why set), -ENOMEM,
 * -E2BIG, or -ENOENT/-ENOTDIR/-ELOOP/-EACCES for the interpreter (*why
 * then names it).
 */
int exec_start(uint64_t image_pa, uint64_t size, int argc, const char *const *argv, int envc,
               const char *const *envp, const char *execfn, const char **why);

#endif
