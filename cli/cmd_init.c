/* cmd_init.c: `cdlt init SOURCE DESTINATION`: a commented starter definition file and the
 * .dlt/config.toml and .dlt/secrets.toml (mode 0600) templates a new project starts from, as
 * `dlt init` does. Existing files are never overwritten unless --force is given. */
#include "cli.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char REST_DEF[] =
    "# rest_api_pipeline.toml: a cdlt pipeline over a REST API, run with\n"
    "#   cdlt run rest_api_pipeline.toml\n"
    "# The [rest_api] tables are exactly the dict dlt's rest_api_source takes (client,\n"
    "# resource_defaults, resources), so a dlt config pastes in (as TOML, or use a .yaml or\n"
    "# .json definition file). See docs/rest_api.md.\n"
    "pipeline_name = \"rest_api_pokemon\"\n"
    "destination = \"%s\"\n"
    "dataset_name = \"rest_api_data\"\n"
    "\n"
    "[rest_api.client]\n"
    "base_url = \"https://pokeapi.co/api/v2/\"\n"
    "# auth = { type = \"bearer\" }   # the token then comes from .dlt/secrets.toml:\n"
    "#                               # [sources.rest_api.credentials] token = \"...\"\n"
    "paginator = { type = \"json_link\", next_url_path = \"next\" }\n"
    "\n"
    "[rest_api.resource_defaults]\n"
    "primary_key = \"name\"\n"
    "write_disposition = \"merge\"\n"
    "endpoint = { params = { limit = 100 } }\n"
    "\n"
    "[[rest_api.resources]]\n"
    "name = \"pokemon\"\n"
    "\n"
    "[[rest_api.resources]]\n"
    "name = \"berry\"\n"
    "\n"
    "# a child resource: one request per parent record, fetched concurrently\n"
    "# [[rest_api.resources]]\n"
    "# name = \"pokemon_details\"\n"
    "# endpoint = \"pokemon/{resources.pokemon.name}\"\n"
    "# include_from_parent = [\"url\"]\n";

static const char CONFIG_TOML[] =
    "# .dlt/config.toml: settings (dlt's keys). Secrets go to secrets.toml.\n"
    "[runtime]\n"
    "log_level = \"WARNING\"\n"
    "# request_timeout = 60          # seconds per request\n"
    "# request_max_attempts = 5      # tries per request (429, 5xx and connection errors)\n"
    "# request_backoff_factor = 1    # waits 1, 2, 4, 8 s between tries\n"
    "# request_max_retry_delay = 300\n"
    "# http_max_connections = 16     # cdlt: requests in flight at once\n";

static const char SECRETS_TOML[] =
    "# .dlt/secrets.toml: secrets (never commit this file). dlt's key layout:\n"
    "[sources.rest_api.credentials]\n"
    "# token = \"your bearer token\"\n"
    "# api_key = \"...\"\n"
    "# username = \"...\"\n"
    "# password = \"...\"\n"
    "# client_id = \"...\"\n"
    "# client_secret = \"...\"\n";

/* Appended to secrets.toml for postgres: dlt's credential fields with its placeholders. */
static const char SECRETS_POSTGRES[] =
    "\n[destination.postgres.credentials]\n"
    "database = \"dlt_data\"\n"
    "username = \"loader\"\n"
    "password = \"<configure me>\"\n"
    "host = \"localhost\"\n"
    "port = 5432\n"
    "connect_timeout = 15\n"
    "# or one connection string instead of the fields above:\n"
    "# credentials = \"postgresql://loader:<password>@localhost:5432/dlt_data\"\n";

static int write_new(const char *path, const char *text, mode_t mode, bool force)
{
    int fl = O_WRONLY | O_CREAT | (force ? O_TRUNC : O_EXCL);
    int fd = open(path, fl, mode);
    if (fd < 0) {
        if (errno == EEXIST)
            fprintf(stderr, "cdlt init: %s exists; not overwritten (use --force)\n", path);
        else
            fprintf(stderr, "cdlt init: cannot create %s: %s\n", path, strerror(errno));
        return -1;
    }
    size_t n = strlen(text);
    bool ok = write(fd, text, n) == (ssize_t)n;
    if (close(fd) != 0 || chmod(path, mode) != 0 || !ok) {
        fprintf(stderr, "cdlt init: cannot write %s\n", path);
        return -1;
    }
    printf("created %s\n", path);
    return 0;
}

int cmd_init(int argc, char **argv)
{
    const char *src = NULL, *dest = NULL, *dir = ".";
    bool force = false;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--force") == 0)
            force = true;
        else if (strcmp(argv[i], "--dir") == 0 && i + 1 < argc)
            dir = argv[++i];
        else if (argv[i][0] == '-') {
            fprintf(stderr, "cdlt init: unknown option '%s'\n", argv[i]);
            return CLI_USAGE;
        } else if (!src)
            src = argv[i];
        else if (!dest)
            dest = argv[i];
        else {
            fprintf(stderr, "cdlt init: too many arguments\n");
            return CLI_USAGE;
        }
    }
    if (!src || !dest) {
        fprintf(stderr, "usage: cdlt init SOURCE DESTINATION [--dir DIR] [--force]\n"
                        "  sources: rest_api; destinations: duckdb, postgres\n");
        return CLI_USAGE;
    }
    if (strcmp(src, "rest_api") != 0) {
        fprintf(stderr, "cdlt init: unknown source '%s' (cdlt can start: rest_api)\n", src);
        return CLI_USAGE;
    }
    bool pg = strcmp(dest, "postgres") == 0;
    if (strcmp(dest, "duckdb") != 0 && !pg) {
        fprintf(stderr, "cdlt init: unknown destination '%s' (cdlt loads into: duckdb, "
                        "postgres)\n", dest);
        return CLI_USAGE;
    }
    char path[4096];
    snprintf(path, sizeof path, "%s/.dlt", dir);
    if (mkdir(path, 0700) != 0 && errno != EEXIST) {
        fprintf(stderr, "cdlt init: cannot create %s: %s\n", path, strerror(errno));
        return CLI_FAILED;
    }
    char def[8192];
    snprintf(def, sizeof def, REST_DEF, dest);
    int rc = 0;
    snprintf(path, sizeof path, "%s/rest_api_pipeline.toml", dir);
    rc |= write_new(path, def, 0644, force);
    snprintf(path, sizeof path, "%s/.dlt/config.toml", dir);
    rc |= write_new(path, CONFIG_TOML, 0644, force);
    snprintf(path, sizeof path, "%s/.dlt/secrets.toml", dir);
    char secrets[4096];
    snprintf(secrets, sizeof secrets, "%s%s", SECRETS_TOML, pg ? SECRETS_POSTGRES : "");
    rc |= write_new(path, secrets, 0600, force);
    if (rc != 0)
        return CLI_FAILED;
    printf("next: edit rest_api_pipeline.toml (and .dlt/secrets.toml), then\n"
           "  cdlt run %s/rest_api_pipeline.toml\n",
           dir);
    return CLI_OK;
}
