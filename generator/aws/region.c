/* region.c: the region in use and its partition; region.h. */
#include "aws/region.h"
#include "aws/profile.h"

#include <string.h>

/* botocore's partitions.json; the longest prefixes first (us-isob- before
 * us-iso-), aws last as the fallback. */
static const struct region_partition partitions[] = {
    { "aws-us-gov", "us-gov-", "amazonaws.com", "us-gov-west-1" },
    { "aws-iso-b", "us-isob-", "sc2s.sgov.gov", "us-isob-east-1" },
    { "aws-iso-f", "us-isof-", "csp.hci.ic.gov", "us-isof-south-1" },
    { "aws-iso", "us-iso-", "c2s.ic.gov", "us-iso-east-1" },
    { "aws-iso-e", "eu-isoe-", "cloud.adc-e.uk", "eu-isoe-west-1" },
    { "aws-cn", "cn-", "amazonaws.com.cn", "cn-northwest-1" },
    { "aws-eusc", "eusc-", "amazonaws.eu", "eusc-de-east-1" },
    { "aws", "", "amazonaws.com", "us-east-1" },
};

const char *region_resolve(const struct profile *pf, const char *cli_region)
{
    const char *v;

    if (cli_region && *cli_region)
        return cli_region;
    v = profile_env("AWS_REGION");
    if (!v)
        v = profile_env("AWS_DEFAULT_REGION");
    if (!v && pf)
        v = profile_value(pf, pf->name, "region");
    return v && *v ? v : NULL;
}

int region_valid(const char *name)
{
    size_t n = strlen(name);

    return n > 0 && n < 64 && strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789-") == n;
}

const struct region_partition *region_partition(const char *region)
{
    size_t i, last = sizeof partitions / sizeof partitions[0] - 1;

    for (i = 0; i < last; i++)
        if (!strncmp(region, partitions[i].prefix, strlen(partitions[i].prefix)))
            return &partitions[i];
    return &partitions[last];
}
