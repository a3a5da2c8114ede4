"""Kafka client settings: a Java ``client.properties`` file turned into librdkafka settings."""
from __future__ import annotations

import os
import re
import warnings
from typing import Dict, Optional, Union

# Java client properties with the same name and meaning in librdkafka.
_SAME = ("bootstrap.servers", "security.protocol", "client.id", "ssl.key.password",
         "sasl.kerberos.service.name", "socket.connection.setup.timeout.ms", "reconnect.backoff.ms",
         "reconnect.backoff.max.ms", "retry.backoff.ms", "metadata.max.age.ms", "request.timeout.ms",
         "client.rack", "connections.max.idle.ms")
# Java-only settings that have no librdkafka meaning (serialisers, JVM classes): dropped silently.
_JAVA_ONLY = ("key.serializer", "value.serializer", "key.deserializer", "value.deserializer",
              "ssl.truststore.type", "ssl.keystore.type", "ssl.protocol", "ssl.enabled.protocols",
              "ssl.trustmanager.algorithm", "ssl.keymanager.algorithm", "sasl.login.callback.handler.class",
              "sasl.client.callback.handler.class", "sasl.login.class")

_JAAS = re.compile(r"^\s*(?P<module>[\w.$]+)\s+(?P<flag>required|requisite|sufficient|optional)(?P<options>.*?);?\s*$",
                   re.S)
_OPTION = re.compile(r'(\w+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|(\S+?))(?=\s|;|$)', re.S)


def parse_properties(text: str) -> Dict[str, str]:
    """Parses Java ``.properties`` text: ``key=value``, ``key: value`` or ``key value`` lines, ``#``/``!``
    comments, backslash line continuations and escapes (``\\t``, ``\\n``, ``\\uXXXX``, ``\\=`` ...)."""
    lines = text.splitlines()
    result: Dict[str, str] = {}
    i = 0
    while i < len(lines):
        line = lines[i].lstrip()
        i += 1
        if not line or line[0] in "#!":
            continue
        while _continues(line) and i < len(lines):
            line = line[:-1] + lines[i].lstrip()
            i += 1
        if _continues(line):
            line = line[:-1]
        key, value = _split(line)
        result[_unescape(key)] = _unescape(value)
    return result


def _continues(line: str) -> bool:
    backslashes = len(line) - len(line.rstrip("\\"))
    return backslashes % 2 == 1


def _split(line: str):
    escaped = False
    for index, char in enumerate(line):
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif char in "=: \t\f":
            rest = line[index:].lstrip(" \t\f")
            if rest[:1] in ("=", ":") and char in " \t\f":
                rest = rest[1:]
            elif char in "=:":
                rest = rest[1:]
            return line[:index], rest.lstrip(" \t\f")
    return line, ""


def _unescape(text: str) -> str:
    out = []
    i = 0
    while i < len(text):
        char = text[i]
        if char == "\\" and i + 1 < len(text):
            nxt = text[i + 1]
            if nxt == "u" and re.fullmatch(r"[0-9a-fA-F]{4}", text[i + 2:i + 6]):
                out.append(chr(int(text[i + 2:i + 6], 16)))
                i += 6
                continue
            out.append({"t": "\t", "n": "\n", "r": "\r", "f": "\f"}.get(nxt, nxt))
            i += 2
            continue
        out.append(char)
        i += 1
    return "".join(out)


def jaas_credentials(jaas: str) -> Dict[str, str]:
    """``{"sasl.username": ..., "sasl.password": ...}`` from a ScramLoginModule or PlainLoginModule
    ``sasl.jaas.config``; ValueError for other login modules (librdkafka configures them otherwise)."""
    match = _JAAS.match(jaas)
    if not match:
        raise ValueError(f"sasl.jaas.config is not '<LoginModule> required key=\"value\" ...;': {jaas!r}")
    module = match.group("module").rsplit(".", 1)[-1]
    if module not in ("ScramLoginModule", "PlainLoginModule"):
        raise ValueError(f"sasl.jaas.config uses {module}; only ScramLoginModule and PlainLoginModule (username/"
                         f"password) translate to librdkafka settings; set the sasl.* settings of librdkafka instead")
    options = {}
    for key, quoted, bare in _OPTION.findall(match.group("options")):
        options[key] = re.sub(r"\\(.)", r"\1", quoted) if quoted or not bare else bare
    missing = [name for name in ("username", "password") if name not in options]
    if missing:
        raise ValueError(f"sasl.jaas.config lacks {' and '.join(missing)}")
    return {"sasl.username": options["username"], "sasl.password": options["password"]}


def librdkafka_config(properties: Dict[str, str]) -> Dict[str, str]:
    """The librdkafka settings of a Java client's properties.

    Translated: ``security.protocol``; ``sasl.mechanism`` -> ``sasl.mechanisms``; ``sasl.jaas.config``
    (SCRAM or PLAIN) -> ``sasl.username``/``sasl.password``; a PEM truststore (``ssl.truststore.type=PEM``
    with ``ssl.truststore.location``, or ``ssl.truststore.certificates``) -> ``ssl.ca.location``/``ssl.ca.pem``;
    a PEM keystore -> ``ssl.certificate.location`` + ``ssl.key.location`` (the same file) or the inline
    ``ssl.certificate.pem``/``ssl.key.pem``; ``ssl.endpoint.identification.algorithm`` (empty -> ``none``);
    and the settings both clients name alike (``bootstrap.servers``, ``client.id``, ``ssl.key.password``, ...).
    JKS/PKCS12 stores raise ValueError (librdkafka reads PEM: convert them). Other Java-only settings are
    dropped with a warning naming them.
    """
    config: Dict[str, str] = {}
    ignored = []
    for key, value in properties.items():
        if key in _SAME:
            config[key] = value
        elif key == "sasl.mechanism":
            config["sasl.mechanisms"] = value
        elif key == "sasl.jaas.config":
            config.update(jaas_credentials(value))
        elif key == "ssl.truststore.location":
            _require_pem(properties, "ssl.truststore.type", key)
            config["ssl.ca.location"] = value
        elif key == "ssl.truststore.certificates":
            config["ssl.ca.pem"] = value
        elif key == "ssl.keystore.location":
            _require_pem(properties, "ssl.keystore.type", key)
            config["ssl.certificate.location"] = value
            config["ssl.key.location"] = value
        elif key == "ssl.keystore.certificate.chain":
            config["ssl.certificate.pem"] = value
        elif key == "ssl.keystore.key":
            config["ssl.key.pem"] = value
        elif key == "ssl.keystore.password":
            config.setdefault("ssl.key.password", value)
        elif key == "ssl.endpoint.identification.algorithm":
            config[key] = value.strip().lower() or "none"
        elif key == "ssl.truststore.password":
            pass  # PEM truststores have no password
        elif key in _JAVA_ONLY:
            pass
        else:
            ignored.append(key)
    if ignored:
        warnings.warn(f"client properties without a librdkafka translation were ignored: {sorted(ignored)}; "
                      f"pass librdkafka settings for them as keyword arguments", stacklevel=3)
    return config


def _require_pem(properties: Dict[str, str], type_key: str, location_key: str):
    store_type = properties.get(type_key, "JKS").strip().upper()
    if store_type != "PEM":
        raise ValueError(f"{location_key} is a {store_type} store ({type_key}); librdkafka reads PEM files only: "
                         f"set {type_key}=PEM with a PEM file, or convert it (keytool -exportcert -rfc / openssl pkcs12)")


#: The first librdkafka whose SASL/SCRAM Kafka 4.x brokers accept: earlier ones repeat the client nonce in
#: their final SCRAM message, which Kafka 4's strict RFC 5802 check refuses as "invalid credentials" even
#: with the right password (Kafka 3.x accepted it). Debian 12 ships librdkafka 2.0.2.
SCRAM_MIN_LIBRDKAFKA = (2, 6, 1)


def warn_if_scram_unsupported(settings: Dict[str, str], libversion: Optional[str] = None) -> None:
    """Warns when ``settings`` authenticate with SASL/SCRAM and the librdkafka in use (``libversion``, by
    default confluent_kafka's) is older than 2.6.1: a Kafka 4.x broker then refuses the right password."""
    mechanism = str(settings.get("sasl.mechanisms", settings.get("sasl.mechanism", ""))).strip().upper()
    if not mechanism.startswith("SCRAM"):
        return
    if libversion is None:
        from confluent_kafka import libversion as confluent_libversion
        libversion = confluent_libversion()[0]
    version = tuple(int(part) for part in re.findall(r"\d+", libversion)[:3])
    if version < SCRAM_MIN_LIBRDKAFKA:
        warnings.warn(f"librdkafka {libversion} cannot authenticate with {mechanism} to a Kafka 4.x broker: the broker "
                      f"refuses it as invalid credentials even with the right password (fixed in librdkafka 2.6.1); "
                      f"use confluent-kafka with librdkafka >= 2.6.1 against Kafka 4.x", stacklevel=3)


def read_client_properties(source: Union[str, os.PathLike]) -> Dict[str, str]:
    """librdkafka settings from a Java ``client.properties`` file, for ``**kafka_config``:

    ``SketchPublisher(bootstrap, run_id, ..., **read_client_properties("client.properties"))``.
    ``bootstrap.servers`` is dropped when present, since the publisher and reader take it as their first
    argument (a ``bootstrap`` given there wins).
    """
    with open(source, encoding="latin-1") as handle:  # as Java's Properties.load(InputStream) reads it
        text = handle.read()
    config = librdkafka_config(parse_properties(text))
    config.pop("bootstrap.servers", None)
    return config
