# verdict's built-in default policy (`builtin/default.rego`).
#
# The same decisions and deny messages as Buildx's opt-in default policy
# (`BUILDX_DEFAULT_POLICY=1`; docker/buildx `policy/default.rego`, read at
# 461836ba0fcb3e847dab6045a726889faa150bdb), written for verdict. It is
# evaluated on its own, as its own policy set, with verdict's helper module
# (`docker_github_builder_signature`). The rules:
#
#   * Only tagged pulls of four Docker-managed repositories are checked:
#     docker.io/docker/dockerfile, docker.io/docker/dockerfile-upstream,
#     docker.io/docker/buildkit-syft-scanner and docker.io/moby/buildkit.
#     Every other source, and a digest-only reference, is allowed.
#   * A checked tag needs a signature that `docker_github_builder_signature`
#     accepts for the expected GitHub repository (moby/buildkit; for the
#     syft scanner docker/buildkit-syft-scanner):
#       - dockerfile[-upstream]: `latest`, `labs`, `master` with any such
#         signature; version tags from 1.21 on (`1`, `1.21`, `1.21.0`, each
#         optionally `-labs`) only with a signature whose source ref is
#         `refs/tags/dockerfile/<version>` where the tag selects that version
#         (same major for `1`, same major.minor for `1.21`, exact otherwise)
#         and both or neither end in `-labs`;
#       - buildkit-syft-scanner: `latest` with any such signature; version
#         tags from 1.10 on only with source ref `refs/tags/<version>`
#         selected by the tag the same way;
#       - moby/buildkit: the floating tags `latest`, `latest-ubuntu`,
#         `rootless`, `master[-rootless|-ubuntu]`, `nightly[-rootless|-ubuntu]`
#         and `buildx-stable-N[-rootless|-gpu]` with any such signature;
#         release tags `vX.Y.Z[-rcN][-rootless|-ubuntu]` from v0.27.0 on
#         only with source ref `refs/tags/vX.Y.Z[-rcN]`. Other tags (older
#         releases, `master-cache`, `v0.8`, …) are allowed.
#   * A denied source gets one message:
#     "image <ref> is not allowed by default policy: a verified
#     docker-github-builder signature is required for <tag> tag".
#
# Digits are matched as [0-9] (Go's RE2 `\d` is ASCII-only) and read as numbers
# with `default_policy_number` (leading zeros allowed, as Go reads them).

package docker

decision := {
	"allow": count(default_policy_denials) == 0,
	"deny_msg": sort(default_policy_denials),
}

default_policy_denials contains msg if {
	tag := default_policy_checked_tag
	not default_policy_signed(tag)
	msg := sprintf(
		"image %s is not allowed by default policy: a verified docker-github-builder signature is required for %s tag",
		[input.image.ref, tag],
	)
}

# The managed repositories, by family.
default_policy_family := "dockerfile" if input.image.fullRepo in {
	"docker.io/docker/dockerfile",
	"docker.io/docker/dockerfile-upstream",
}

default_policy_family := "syft-scanner" if input.image.fullRepo == "docker.io/docker/buildkit-syft-scanner"

default_policy_family := "buildkit" if input.image.fullRepo == "docker.io/moby/buildkit"

# The GitHub repository each family's images are built from.
default_policy_source_repo := {
	"dockerfile": "moby/buildkit",
	"syft-scanner": "docker/buildkit-syft-scanner",
	"buildkit": "moby/buildkit",
}

# The image's tag, when its family requires a signature for it.
default_policy_checked_tag := tag if {
	tag := input.image.tag
	is_string(tag)
	tag != ""
	default_policy_tag_checked(default_policy_family, tag)
}

default_policy_tag_checked("dockerfile", tag) if default_policy_floating("dockerfile", tag)

default_policy_tag_checked("dockerfile", tag) if default_policy_version_at_least(tag, 1, 21)

default_policy_tag_checked("syft-scanner", tag) if default_policy_floating("syft-scanner", tag)

default_policy_tag_checked("syft-scanner", tag) if default_policy_version_at_least(tag, 1, 10)

default_policy_tag_checked("buildkit", tag) if default_policy_floating("buildkit", tag)

default_policy_tag_checked("buildkit", tag) if {
	not default_policy_floating("buildkit", tag)
	default_policy_buildkit_signed_release(default_policy_buildkit_release(tag))
}

# Floating tags: any signature from the source repository will do.
default_policy_floating("dockerfile", tag) if tag in {"latest", "labs", "master"}

default_policy_floating("syft-scanner", tag) if tag == "latest"

default_policy_floating("buildkit", tag) if tag in {
	"latest", "latest-ubuntu", "rootless",
	"master", "master-rootless", "master-ubuntu",
	"nightly", "nightly-rootless", "nightly-ubuntu",
}

default_policy_floating("buildkit", tag) if regex.match(`^buildx-stable-[0-9]+(-rootless|-gpu)?$`, tag)

# The signature check for a checked tag: a signature from the family's
# source repository; for a floating tag any such signature, for a release
# tag one whose source ref names a release the tag selects.
default_policy_signed(tag) if {
	default_policy_floating(default_policy_family, tag)
	some sig in input.image.signatures
	docker_github_builder_signature(sig, default_policy_source_repo[default_policy_family])
}

default_policy_signed(tag) if {
	family := default_policy_family
	not default_policy_floating(family, tag)
	some sig in input.image.signatures
	docker_github_builder_signature(sig, default_policy_source_repo[family])
	default_policy_release_ref(family, tag, sig.signer.sourceRepositoryRef)
}

default_policy_release_ref("dockerfile", tag, ref) if {
	startswith(ref, "refs/tags/dockerfile/")
	released := trim_prefix(ref, "refs/tags/dockerfile/")
	endswith(tag, "-labs") == endswith(released, "-labs")
	default_policy_selects(trim_suffix(tag, "-labs"), trim_suffix(released, "-labs"))
}

default_policy_release_ref("syft-scanner", tag, ref) if {
	startswith(ref, "refs/tags/")
	default_policy_selects(tag, trim_prefix(ref, "refs/tags/"))
}

default_policy_release_ref("buildkit", tag, ref) if {
	ref == concat("", ["refs/tags/", default_policy_buildkit_release(tag)])
}

# Version tags: [major, minor]. "1.21", "1.21.0" and "1.21.0-labs" give
# [1, 21]; a major alone ("1", "1-labs") stands for the newest minor of that
# major and gives [1, 999999].
default_policy_version(tag) := [default_policy_number(parts[0]), default_policy_number(parts[1])] if {
	regex.match(`^[0-9]+\.[0-9]+(\.[0-9]+)?(-labs)?$`, tag)
	parts := split(trim_suffix(tag, "-labs"), ".")
}

default_policy_version(tag) := [default_policy_number(trim_suffix(tag, "-labs")), 999999] if {
	regex.match(`^[0-9]+(-labs)?$`, tag)
}

default_policy_version_at_least(tag, major, minor) if {
	version := default_policy_version(tag)
	default_policy_pair_at_least(version[0], version[1], major, minor)
}

# Does the tag `selector` select the released version `released`? Equal
# strings always do; "X.Y" selects any release with that major and minor,
# "X" any release with that major.
default_policy_selects(selector, released) if selector == released

default_policy_selects(selector, released) if {
	regex.match(`^[0-9]+\.[0-9]+$`, selector)
	default_policy_version(selector) == default_policy_version(released)
}

default_policy_selects(selector, released) if {
	regex.match(`^[0-9]+$`, selector)
	default_policy_version(selector)[0] == default_policy_version(released)[0]
}

# moby/buildkit release tags: "v0.31.2", "v0.31.0-rc1", each optionally
# "-rootless" or "-ubuntu", name the release "v0.31.2" / "v0.31.0-rc1".
default_policy_buildkit_release(tag) := trim_suffix(trim_suffix(tag, "-rootless"), "-ubuntu") if {
	regex.match(`^v[0-9]+\.[0-9]+\.[0-9]+(-rc[0-9]+)?(-rootless|-ubuntu)?$`, tag)
}

# moby/buildkit releases are signed from v0.27.0 on.
default_policy_buildkit_signed_release(release) if {
	parts := split(trim_prefix(release, "v"), ".")
	default_policy_pair_at_least(default_policy_number(parts[0]), default_policy_number(parts[1]), 0, 27)
}

# The number a string of ASCII digits spells. Buildx's to_number (Go's
# strconv) reads leading zeros ("021" is 21); verdict's reads JSON numbers
# only, so the zeros are dropped first.
default_policy_number(digits) := to_number(significant) if {
	significant := trim_left(digits, "0")
	significant != ""
}

default_policy_number(digits) := 0 if trim_left(digits, "0") == ""

# [major, minor] >= [min_major, min_minor]
default_policy_pair_at_least(major, _, min_major, _) if major > min_major

default_policy_pair_at_least(major, minor, min_major, min_minor) if {
	major == min_major
	minor >= min_minor
}
