"""Pulumi's self-managed ("DIY") backends, read directly: the checkpoint files under `.pulumi/stacks/` of a folder
(`file://DIR`) or an S3 bucket (`s3://BUCKET[/prefix]`).

Layout (Pulumi CLI 3.x): `.pulumi/stacks/<project>/<stack>.json`, or `.json.gz` when the backend gzips its state;
the legacy layout without projects keeps `.pulumi/stacks/<stack>.json`. Other files there (`.bak`, gocloud's
`.attrs`) are not checkpoints. Errors name the backend URL and say what to do; they never quote file content.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import parse_qs, urlsplit

import boto3
from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

from checks.errors import InputError

STACKS_DIR = ".pulumi/stacks"
SUFFIXES = (".json.gz", ".json")
DENIED = frozenset({"AccessDenied", "AllAccessDisabled", "403", "InvalidAccessKeyId", "SignatureDoesNotMatch"})


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """One checkpoint file found: `stack` is `project/stack`, or `stack` alone in the legacy layout."""

    stack: str
    key: str          # the file path or object key
    url: str          # where it is, for messages and the report (never with credentials)
    modified: float   # seconds since the epoch: when a stack has both a .json and a .json.gz, the newer wins
    gzipped: bool


class Store(Protocol):
    url: str

    def checkpoints(self) -> list[Checkpoint]: ...

    def read(self, checkpoint: Checkpoint) -> bytes: ...


def found_checkpoints(entries: Iterable[tuple[str, str, str, float]], warnings: list[str]) -> list[Checkpoint]:
    """Checkpoints from (path relative to `.pulumi/stacks/`, key, url, modified), one per stack, sorted by stack."""
    by_stack: dict[str, Checkpoint] = {}
    for rel, key, url, modified in entries:
        parts = rel.split("/")
        suffix = next((s for s in SUFFIXES if parts[-1].endswith(s)), None)
        if suffix is None or len(parts) > 2 or not parts[-1].removesuffix(suffix) or not all(parts):
            continue
        stack = "/".join([*parts[:-1], parts[-1].removesuffix(suffix)])
        found = Checkpoint(stack, key, url, modified, suffix == ".json.gz")
        other = by_stack.get(stack)
        if other is not None:
            newer, older = (found, other) if found.modified > other.modified else (other, found)
            warnings.append(f"{older.url} and {newer.url} both hold stack {stack}: read the newer, {newer.url}")
            found = newer
        by_stack[stack] = found
    return [by_stack[s] for s in sorted(by_stack)]


def _no_state(url: str, what: str) -> InputError:
    return InputError(f"no Pulumi state here ({what}): give the URL you logged in to with 'pulumi login'", where=url)


@dataclass
class FileStore:
    """`file://DIR`: DIR is absolute, `~`-relative or relative to the working folder (as `pulumi login` reads it)."""

    url: str
    root: Path
    warnings: list[str]

    @classmethod
    def open(cls, url: str, cwd: Path, warnings: list[str]) -> FileStore:
        text = urlsplit(url)._replace(query="", fragment="").geturl().removeprefix("file://")
        if not text:
            raise InputError("the backend URL names no folder: use file://DIR", where=url)
        root = Path(os.path.expanduser(text))
        return cls(url.split("?", 1)[0], root if root.is_absolute() else cwd / root, warnings)

    def checkpoints(self) -> list[Checkpoint]:
        stacks = self.root / STACKS_DIR
        if not stacks.is_dir():
            raise _no_state(self.url, f"no {STACKS_DIR} folder in {self.root}")
        entries = []
        try:
            for path in sorted(stacks.rglob("*.json*")):
                rel = path.relative_to(stacks).as_posix()
                if path.is_file():
                    entries.append((rel, str(path), f"{self.url.rstrip('/')}/{STACKS_DIR}/{rel}",
                                    path.stat().st_mtime))
        except PermissionError:
            raise InputError(f"{STACKS_DIR} cannot be read (permission denied): check the folder's permissions",
                             where=self.url) from None
        return found_checkpoints(entries, self.warnings)

    def read(self, checkpoint: Checkpoint) -> bytes:
        try:
            return Path(checkpoint.key).read_bytes()
        except PermissionError:
            raise InputError("cannot be read (permission denied): check the file's permissions",
                             where=checkpoint.url) from None
        except OSError as err:
            raise InputError(f"cannot be read ({err.strerror}): check the backend folder",
                             where=checkpoint.url) from None


@dataclass
class S3Store:
    """`s3://BUCKET[/prefix][?region=R]`, read with an injected boto3 session (read-only: List and Get)."""

    url: str
    bucket: str
    prefix: str
    client: Any
    warnings: list[str]

    @classmethod
    def open(cls, url: str, session: boto3.Session | None, endpoint_url: str | None, warnings: list[str]) -> S3Store:
        parts = urlsplit(url)
        if not parts.netloc:
            raise InputError("the backend URL names no bucket: use s3://BUCKET[/prefix]", where=url)
        region = next(iter(parse_qs(parts.query).get("region", [])), None)
        clean = f"s3://{parts.netloc}{parts.path}".rstrip("/")
        prefix = parts.path.strip("/")
        client = (session or boto3.Session()).client("s3", endpoint_url=endpoint_url, region_name=region)
        return cls(clean, parts.netloc, f"{prefix}/" if prefix else "", client, warnings)

    def checkpoints(self) -> list[Checkpoint]:
        start = f"{self.prefix}{STACKS_DIR}/"
        entries = []
        try:
            for page in self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=start):
                for obj in page.get("Contents", []):
                    key = obj["Key"]
                    entries.append((key.removeprefix(start), key, f"s3://{self.bucket}/{key}",
                                    obj["LastModified"].timestamp()))
        except (ClientError, BotoCoreError) as err:
            raise self._error(err, self.url, "s3:ListBucket") from None
        if not entries:
            raise _no_state(self.url, f"no objects under {start}")
        return found_checkpoints(entries, self.warnings)

    def read(self, checkpoint: Checkpoint) -> bytes:
        try:
            body: bytes = self.client.get_object(Bucket=self.bucket, Key=checkpoint.key)["Body"].read()
        except (ClientError, BotoCoreError) as err:
            raise self._error(err, checkpoint.url, "s3:GetObject") from None
        return body

    def _error(self, err: ClientError | BotoCoreError, where: str, permission: str) -> InputError:
        if isinstance(err, NoCredentialsError):
            return InputError("no AWS credentials found: set AWS_PROFILE or the AWS_* credential variables",
                              where=where)
        if isinstance(err, BotoCoreError):
            return InputError(f"S3 cannot be reached ({type(err).__name__}): check the network and --endpoint-url",
                              where=where)
        code = str(err.response.get("Error", {}).get("Code", "")) or "unknown error"
        status = err.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        if code in DENIED or status == 403:
            return InputError(f"cannot be read ({code}): grant {permission} on s3://{self.bucket} to these "
                              f"credentials, or use others (AWS_PROFILE)", where=where)
        if code in ("NoSuchBucket", "404") or status == 404:
            return InputError(f"cannot be read ({code}): check the bucket and prefix of --backend", where=where)
        return InputError(f"cannot be read ({code}): check the bucket and the credentials", where=where)
