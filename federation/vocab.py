"""ActivityStreams vocabulary: contexts, type names and well-known URIs."""
from __future__ import annotations

AS_CONTEXT = "https://www.w3.org/ns/activitystreams"
SECURITY_CONTEXT = "https://w3id.org/security/v1"
PUBLIC = "https://www.w3.org/ns/activitystreams#Public"
# Receivers also see the compact forms of Public.
PUBLIC_ALIASES = frozenset({PUBLIC, "as:Public", "Public"})

# The extension terms our documents use, mapped like Mastodon maps them.
EXTENSIONS = {
    "manuallyApprovesFollowers": "as:manuallyApprovesFollowers",
    "sensitive": "as:sensitive",
    "Hashtag": "as:Hashtag",
    "toot": "http://joinmastodon.org/ns#",
    "featured": {"@id": "toot:featured", "@type": "@id"},
    "discoverable": "toot:discoverable",
    "indexable": "toot:indexable",
    "schema": "http://schema.org#",
    "PropertyValue": "schema:PropertyValue",
    "value": "schema:value",
}

# Moot's own terms (sub-groups).
MOOT_NS = "https://joinmoot.org/ns#"

# Terms Lemmy and Mbin read on Group actors and group activities.
GROUP_EXTENSIONS = {
    **EXTENSIONS,
    "lemmy": "https://join-lemmy.org/ns#",
    "postingRestrictedToMods": "lemmy:postingRestrictedToMods",
    "moderators": {"@type": "@id", "@id": "lemmy:moderators"},
    "removeData": "lemmy:removeData",
    # Sub-groups (docs/federation.md): no other server federates a parent/child link between groups, so Moot
    # defines two terms: the sub-group points to its parent, the parent has a collection of its sub-groups.
    "moot": MOOT_NS,
    "parentGroup": {"@id": "moot:parentGroup", "@type": "@id"},
    "subgroups": {"@id": "moot:subgroups", "@type": "@id"},
    # Essentials (federation/community/essentials_read.py): the group's ordered collection of key threads.
    "essentials": {"@id": "moot:essentials", "@type": "@id"},
}
# The terms of the essentials collection itself.
ESSENTIALS_CONTEXT = [AS_CONTEXT, {"moot": MOOT_NS, "startHere": "moot:startHere"}]

ACTOR_CONTEXT = [AS_CONTEXT, SECURITY_CONTEXT, EXTENSIONS]
GROUP_CONTEXT = [AS_CONTEXT, SECURITY_CONTEXT, GROUP_EXTENSIONS]
OBJECT_CONTEXT = [AS_CONTEXT, {"sensitive": "as:sensitive", "Hashtag": "as:Hashtag",
                               # Q&A (federation/activities/answers_shape.py): schema.org's Question terms.
                               "schema": "http://schema.org#",
                               "acceptedAnswer": {"@id": "schema:acceptedAnswer", "@type": "@id"},
                               "answerCount": "schema:answerCount"}]

ACTIVITY_JSON = "application/activity+json"
LD_JSON = 'application/ld+json; profile="https://www.w3.org/ns/activitystreams"'

PERSON = "Person"
SERVICE = "Service"
APPLICATION = "Application"
GROUP = "Group"

# Objects taken as posts. Event (Mobilizon), Video (PeerTube), Audio (Funkwhale) and Document are kept as
# posts with a title, a description, a link and attachments until richer support arrives.
POST_TYPES = frozenset({"Note", "Article", "Page", "Question", "Event", "Video", "Audio", "Document"})
# Post types whose `summary` is a content warning; on the others it is a description (docs/federation.md).
CONTENT_WARNING_TYPES = frozenset({"Note", "Question"})


def is_public(addresses: list[str] | tuple[str, ...]) -> bool:
    return any(address in PUBLIC_ALIASES for address in addresses)
