/* getpwuid, getpwnam and getgrgid through glibc's NSS ("files"), which
 * first tries nscd's socket. The guest runs as root. */
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <unistd.h>

int main(void)
{
	struct passwd *pw = getpwuid(getuid()), *nobody = getpwnam("nobody");
	struct group *gr = getgrgid(getgid());

	printf("uid %u name %s home %s\n", getuid(), pw ? pw->pw_name : "?", pw ? pw->pw_dir : "?");
	printf("nobody %d\n", nobody ? (int)nobody->pw_uid : -1);
	printf("group %s\n", gr ? gr->gr_name : "?");
	return !pw || !nobody || !gr;
}
