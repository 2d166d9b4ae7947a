// SPDX-License-Identifier: GPL-2.0
/*
 * quic-handshaked: the configuration file, in the style of tlshd's: INI
 * sections and "key = value" lines, '#' or ';' comments.
 *
 *	[debug]
 *	loglevel = 1
 *	[limits]
 *	max_handshakes = 64
 *	[authenticate]
 *	x509.truststore = /etc/ssl/certs/ca.pem
 *	[authenticate.client]
 *	x509.certificate = /etc/quic/client.pem
 *	x509.private_key = /etc/quic/client.key
 *	[authenticate.server]
 *	x509.certificate = /etc/quic/server.pem
 *	x509.private_key = /etc/quic/server.key
 *
 * An unknown section or key, a line without '=', a number out of range or
 * a path too long is an error naming the line: a typo must not turn into a
 * default silently.
 */

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hsd.h"

void hsd_config_defaults(struct hsd_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->loglevel = 0;
	cfg->max_handshakes = HSD_MAX_HANDSHAKES;
}

static char *trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

static int set_path(char *dst, const char *val)
{
	if (strlen(val) >= PATH_MAX)
		return -ENAMETOOLONG;
	strcpy(dst, val);
	return 0;
}

static int set_uint(unsigned int *dst, const char *val, unsigned int min,
		    unsigned int max)
{
	unsigned long v;
	char *end;

	errno = 0;
	v = strtoul(val, &end, 10);
	if (errno || end == val || *end || !isdigit((unsigned char)*val) ||
	    v < min || v > max)
		return -ERANGE;
	*dst = (unsigned int)v;
	return 0;
}

static int set_client_certs(enum hsd_client_certs *dst, const char *val)
{
	if (!strcmp(val, "request"))
		*dst = HSD_CLIENT_CERTS_REQUEST;
	else if (!strcmp(val, "none"))
		*dst = HSD_CLIENT_CERTS_NONE;
	else if (!strcmp(val, "require"))
		*dst = HSD_CLIENT_CERTS_REQUIRE;
	else
		return -EINVAL;
	return 0;
}

enum section { NONE, DEBUG, LIMITS, AUTH, AUTH_CLIENT, AUTH_SERVER };

static int set_key(struct hsd_config *cfg, enum section sec, const char *key,
		   const char *val)
{
	struct hsd_side *side = sec == AUTH_CLIENT ? &cfg->client :
				&cfg->server;
	unsigned int n;
	int err;

	switch (sec) {
	case DEBUG:
		if (strcmp(key, "loglevel"))
			break;
		err = set_uint(&n, val, 0, 2);
		if (!err)
			cfg->loglevel = (int)n;
		return err;
	case LIMITS:
		if (strcmp(key, "max_handshakes"))
			break;
		return set_uint(&cfg->max_handshakes, val, 1, 1024);
	case AUTH:
		if (!strcmp(key, "x509.truststore"))
			return set_path(cfg->truststore, val);
		break;
	case AUTH_CLIENT:
	case AUTH_SERVER:
		if (sec == AUTH_SERVER &&
		    !strcmp(key, "x509.client_certificates"))
			return set_client_certs(&cfg->client_certs, val);
		if (!strcmp(key, "x509.certificate"))
			return set_path(side->certificate, val);
		if (!strcmp(key, "x509.private_key"))
			return set_path(side->private_key, val);
		break;
	case NONE:
		break;
	}
	return -ENOENT;
}

/**
 * hsd_config_parse - read a configuration from @f into @cfg
 *
 * @cfg keeps what it had for what the file does not set.  On error @err
 * says which line and why, and the return is a negative errno.
 */
int hsd_config_parse(FILE *f, struct hsd_config *cfg, char *err,
		     size_t errlen)
{
	static const struct {
		const char *name;
		enum section sec;
	} sections[] = {
		{ "debug", DEBUG },
		{ "limits", LIMITS },
		{ "authenticate", AUTH },
		{ "authenticate.client", AUTH_CLIENT },
		{ "authenticate.server", AUTH_SERVER },
	};
	enum section sec = NONE;
	char line[PATH_MAX + 64], *s, *eq, *end;
	unsigned int lineno = 0, i;
	int ret;

	while (fgets(line, sizeof(line), f)) {
		lineno++;
		if (!strchr(line, '\n') && !feof(f)) {
			snprintf(err, errlen, "line %u: too long", lineno);
			return -E2BIG;
		}
		s = trim(line);
		if (!*s || *s == '#' || *s == ';')
			continue;
		if (*s == '[') {
			end = strchr(s, ']');
			if (!end || end[1]) {
				snprintf(err, errlen, "line %u: bad section",
					 lineno);
				return -EINVAL;
			}
			*end = '\0';
			s = trim(s + 1);
			for (i = 0; i < sizeof(sections) / sizeof(sections[0]);
			     i++)
				if (!strcmp(s, sections[i].name))
					break;
			if (i == sizeof(sections) / sizeof(sections[0])) {
				snprintf(err, errlen,
					 "line %u: unknown section [%s]",
					 lineno, s);
				return -EINVAL;
			}
			sec = sections[i].sec;
			continue;
		}
		eq = strchr(s, '=');
		if (!eq) {
			snprintf(err, errlen, "line %u: no '='", lineno);
			return -EINVAL;
		}
		*eq = '\0';
		ret = set_key(cfg, sec, trim(s), trim(eq + 1));
		if (ret == -ENOENT) {
			snprintf(err, errlen, "line %u: unknown key \"%s\"",
				 lineno, trim(s));
			return -EINVAL;
		}
		if (ret) {
			snprintf(err, errlen, "line %u: bad value for \"%s\"",
				 lineno, trim(s));
			return ret;
		}
	}
	if (ferror(f)) {
		snprintf(err, errlen, "read error");
		return -EIO;
	}
	return 0;
}

/**
 * hsd_config_load - defaults, then the file at @path
 *
 * A missing file is no error: the defaults serve.
 */
int hsd_config_load(const char *path, struct hsd_config *cfg, char *err,
		    size_t errlen)
{
	FILE *f;
	int ret;

	hsd_config_defaults(cfg);
	f = fopen(path, "re");
	if (!f) {
		if (errno == ENOENT)
			return 0;
		ret = -errno;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return ret;
	}
	ret = hsd_config_parse(f, cfg, err, errlen);
	fclose(f);
	return ret;
}
