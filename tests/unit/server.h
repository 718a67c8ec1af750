/* server.h: tests/unit/http_server.py for a unit test: started on a free
 * loopback port (its first line says which), stopped by its pid. Static
 * functions: include it in one test file. */
#ifndef LUAFORM_TEST_SERVER_H
#define LUAFORM_TEST_SERVER_H

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static pid_t server_pid = -1;
static int port;

/* ---- the test server ---- */

static void server_script(char *out, size_t n)
{
    const char *env = getenv("HTTP_TEST_SERVER");
    const char *slash = strrchr(__FILE__, '/');

    if (env && *env)
        snprintf(out, n, "%s", env);
    else if (slash)
        snprintf(out, n, "%.*s/http_server.py", (int)(slash - __FILE__),
                 __FILE__);
    else
        snprintf(out, n, "http_server.py");
}

static int start_server(void)
{
    char script[512], line[64];
    int fds[2];
    FILE *f;

    server_script(script, sizeof script);
    if (pipe(fds) < 0)
        return -1;
    server_pid = fork();
    if (server_pid < 0)
        return -1;
    if (server_pid == 0) {
        dup2(fds[1], 1);
        close(fds[0]);
        close(fds[1]);
        execlp("python3", "python3", script, (char *)NULL);
        _exit(127);
    }
    close(fds[1]);
    f = fdopen(fds[0], "r");
    if (!f)
        return -1;
    if (!fgets(line, sizeof line, f) || sscanf(line, "PORT %d", &port) != 1)
        port = 0;
    fclose(f);
    return port > 0 ? 0 : -1;
}

static void stop_server(void)
{
    if (server_pid > 0) {
        kill(server_pid, SIGTERM);
        waitpid(server_pid, NULL, 0);
        server_pid = -1;
    }
}

#endif
