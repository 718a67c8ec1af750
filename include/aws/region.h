/* region.h: which region, and which partition a region is in (after
 * botocore's partitions.json: the region name says it). */
#ifndef LUAFORM_REGION_H
#define LUAFORM_REGION_H

struct profile;

struct region_partition {
    const char *id;             /* "aws", "aws-cn", "aws-us-gov", "aws-iso", ... */
    const char *prefix;         /* region names starting so are in it; "" for aws */
    const char *dns_suffix;     /* "amazonaws.com", "c2s.ic.gov", ... */
    const char *global_region;  /* where a partition-global service lives */
};

/* The region: cli_region (--region) > AWS_REGION > AWS_DEFAULT_REGION >
 * the profile's region. Empty values count as unset. NULL when none.
 * Borrowed: from the argument, the environment or pf (may be NULL). */
const char *region_resolve(const struct profile *pf, const char *cli_region);

/* 1 when name can be a region: lowercase letters, digits and '-', 1 to
 * 63 bytes. */
int region_valid(const char *name);

/* The partition of a region: us-gov-* is aws-us-gov, us-iso-* aws-iso,
 * us-isob-* aws-iso-b, us-isof-* aws-iso-f, eu-isoe-* aws-iso-e, cn-*
 * aws-cn, eusc-* aws-eusc; any other name is aws (as botocore falls
 * back). Never NULL. */
const struct region_partition *region_partition(const char *region);

#endif
