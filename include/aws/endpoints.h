/* endpoints.h: where a service's requests go, and how they are signed.
 *
 * A configured endpoint (--endpoint-url, AWS_ENDPOINT_URL_<SERVICE>,
 * AWS_ENDPOINT_URL, the profile's services section or endpoint_url) wins;
 * else the default: https://SERVICE.REGION.DNS_SUFFIX for a regional
 * service, the partition's one host for a global one (IAM:
 * iam.amazonaws.com, iam.us-gov.amazonaws.com,
 * iam.cn-north-1.amazonaws.com.cn, ...), signed for the region that host
 * is in. */
#ifndef LUAFORM_ENDPOINTS_H
#define LUAFORM_ENDPOINTS_H

#include <stddef.h>

struct profile;

/* What luaform knows of a service. */
struct endpoints_service {
    const char *id;            /* "cloudformation": the host prefix, and the key of
                                  AWS_ENDPOINT_URL_<ID> and of the services section */
    const char *signing_name;  /* the service of the SigV4 credential scope */
    const char *api_version;   /* Query and REST-JSON: "2010-05-15", ... */
    int global;                /* one endpoint per partition */
};

/* The service id, or NULL when luaform does not know it. */
const struct endpoints_service *endpoints_service(const char *id);

/* The endpoint configured for one service, as the CLI v2 picks it:
 * cli_endpoint (--endpoint-url) > AWS_ENDPOINT_URL_<SERVICE> >
 * AWS_ENDPOINT_URL > the profile's services section ("services = NAME"
 * naming a "[services NAME]" section of the config file with a nested
 * "cloudformation =\n  endpoint_url = URL") > the profile's endpoint_url.
 * service is the lowercase service key: "cloudformation", "sts", "s3";
 * for the variable it is upper-cased, other characters than letters and
 * digits becoming '_' ("AWS_ENDPOINT_URL_CLOUDFORMATION").
 * AWS_IGNORE_CONFIGURE_ENDPOINT_URLS=true or the profile's
 * ignore_configure_endpoint_urls = true leaves only cli_endpoint. NULL
 * when none. Borrowed: from the argument, the environment or pf (which
 * may be NULL). */
const char *endpoints_configured(const struct profile *pf, const char *service,
                                 const char *cli_endpoint);

/* The name of the variable for service: "AWS_ENDPOINT_URL_CLOUDFORMATION". */
void endpoints_variable(const char *service, char *out, size_t n);

/* The default endpoint of service in region. */
struct endpoints_default {
    char url[320];               /* "https://host", no trailing '/' */
    const char *signing_region;  /* region, or where a global service lives */
};

void endpoints_default(const char *service, const char *region,
                       struct endpoints_default *out);

#endif
