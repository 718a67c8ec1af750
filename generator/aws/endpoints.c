/* endpoints.c: the services luaform calls and where their requests go;
 * endpoints.h. The tables follow botocore's endpoints.json and the
 * services' endpoint rule sets. */
#include "aws/endpoints.h"
#include "aws/profile.h"
#include "aws/region.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

static const struct endpoints_service services[] = {
    { "cloudformation", "cloudformation", "2010-05-15", 0 },
    { "sts", "sts", "2011-06-15", 0 },
    { "s3", "s3", "2006-03-01", 0 },
    { "lambda", "lambda", "2015-03-31", 0 },
    { "iam", "iam", "2010-05-08", 1 },
};

/* The one endpoint of a global service in each partition. */
static const struct global_endpoint {
    const char *service, *partition, *host, *region;
} globals[] = {
    { "iam", "aws", "iam.amazonaws.com", "us-east-1" },
    { "iam", "aws-cn", "iam.cn-north-1.amazonaws.com.cn", "cn-north-1" },
    { "iam", "aws-us-gov", "iam.us-gov.amazonaws.com", "us-gov-west-1" },
    { "iam", "aws-iso", "iam.us-iso-east-1.c2s.ic.gov", "us-iso-east-1" },
    { "iam", "aws-iso-b", "iam.us-isob-east-1.sc2s.sgov.gov", "us-isob-east-1" },
    { "iam", "aws-iso-e", "iam.eu-isoe-west-1.cloud.adc-e.uk", "eu-isoe-west-1" },
    { "iam", "aws-iso-f", "iam.us-isof-south-1.csp.hci.ic.gov", "us-isof-south-1" },
    { "iam", "aws-eusc", "iam.eusc-de-east-1.amazonaws.eu", "eusc-de-east-1" },
};

const struct endpoints_service *endpoints_service(const char *id)
{
    size_t i;

    for (i = 0; id && i < sizeof services / sizeof services[0]; i++)
        if (!strcmp(services[i].id, id))
            return &services[i];
    return NULL;
}

static int is_true(const char *v)
{
    return v && strlen(v) == 4 && tolower((unsigned char)v[0]) == 't' &&
           tolower((unsigned char)v[1]) == 'r' &&
           tolower((unsigned char)v[2]) == 'u' &&
           tolower((unsigned char)v[3]) == 'e';
}

void endpoints_variable(const char *service, char *out, size_t n)
{
    size_t i, k = (size_t)snprintf(out, n, "AWS_ENDPOINT_URL_%s", service);

    for (i = 17; i < k && i + 1 < n; i++)
        out[i] = isalnum((unsigned char)out[i]) ? (char)toupper((unsigned char)out[i]) : '_';
}

const char *endpoints_configured(const struct profile *pf, const char *service,
                                 const char *cli_endpoint)
{
    char name[96];
    const char *v, *svc;

    if (cli_endpoint && *cli_endpoint)
        return cli_endpoint;
    if (is_true(profile_env("AWS_IGNORE_CONFIGURE_ENDPOINT_URLS")) ||
        is_true(profile_value(pf, pf ? pf->name : NULL, "ignore_configure_endpoint_urls")))
        return NULL;
    if (service && *service && strlen(service) < sizeof name - 18) {
        endpoints_variable(service, name, sizeof name);
        v = profile_env(name);
        if (v)
            return v;
    }
    v = profile_env("AWS_ENDPOINT_URL");
    if (v || !pf)
        return v;
    svc = service && *service ? profile_value(pf, pf->name, "services") : NULL;
    if (svc && *svc) {
        const struct ini_kv *blk = ini_get(ini_prefixed_section(&pf->files[PROFILE_CONFIG],
                                                                "services", svc), service);
        const struct ini_kv *url = blk ? ini_kv_find(blk->sub, blk->nsub, "endpoint_url") : NULL;

        if (url && *url->val)
            return url->val;
    }
    v = profile_value(pf, pf->name, "endpoint_url");
    return v && *v ? v : NULL;
}

void endpoints_default(const char *service, const char *region,
                       struct endpoints_default *out)
{
    const struct endpoints_service *s = endpoints_service(service);
    const struct region_partition *p = region_partition(region);
    size_t i;

    out->signing_region = region;
    if (s && s->global) {
        for (i = 0; i < sizeof globals / sizeof globals[0]; i++) {
            if (!strcmp(globals[i].service, service) && !strcmp(globals[i].partition, p->id)) {
                snprintf(out->url, sizeof out->url, "https://%s", globals[i].host);
                out->signing_region = globals[i].region;
                return;
            }
        }
        snprintf(out->url, sizeof out->url, "https://%s.%s.%s", service, p->global_region,
                 p->dns_suffix);
        out->signing_region = p->global_region;
        return;
    }
    snprintf(out->url, sizeof out->url, "https://%s.%s.%s", service, region, p->dns_suffix);
}
