"""The read-input stage: decoding, one-line errors, and which paths a run reads."""

from __future__ import annotations

import hashlib
import io
import json
import os
import subprocess
import threading
from pathlib import Path

import pytest

from factx.pipeline import Extractor
from factx.reading import (
    MAX_BYTES,
    TEXT_SUFFIXES,
    TOO_LARGE,
    Document,
    InputError,
    decode,
    expand_paths,
    read_path,
    read_stdin,
)
from helpers import FACTX, ROOT, Scripted, chat_completion, run, seed

ITALIAN = "Il ministro ha spiegato perché la città è pronta: più università parteciperanno già a settembre."
PNG_HEADER = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10\x00\x00\x00\x10\x08\x06\x00\x00\x00"


def write(path: Path, data: bytes | str) -> Path:
    """Create ``path`` (and its folders) holding ``data``; str is written as UTF-8."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


def reason(data: bytes) -> str:
    """The reason ``decode`` gives for refusing ``data``."""
    with pytest.raises(InputError) as caught:
        decode(data, "in.txt")
    assert caught.value.source == "in.txt"
    return caught.value.reason


# --- decoding -----------------------------------------------------------------------------


def test_utf8(tmp_path: Path) -> None:
    path = write(tmp_path / "a.txt", "L'Italia e la Grecia firmano un accordo — «storico».")
    doc = read_path(path)
    assert doc == Document(
        source=str(path),
        text="L'Italia e la Grecia firmano un accordo — «storico».",
        sha256=hashlib.sha256(path.read_bytes()).hexdigest(),
    )


def test_utf8_bom_is_removed_but_hashed() -> None:
    data = b"\xef\xbb\xbfCitt\xc3\xa0 di Roma"
    doc = decode(data, "bom.txt")
    assert doc.text == "Città di Roma"
    assert doc.sha256 == hashlib.sha256(data).hexdigest()


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-le", "utf-16-be"])
def test_utf16_with_bom(codec: str) -> None:
    bom = {"utf-16": b"", "utf-16-le": b"\xff\xfe", "utf-16-be": b"\xfe\xff"}[codec]
    data = bom + "Perché la città?\r\n".encode(codec)
    assert decode(data, "u16.txt").text == "Perché la città?\r\n"


def test_cp1252_italian() -> None:
    data = ITALIAN.encode("cp1252")
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")  # so the detector really is what decodes it
    assert decode(data, "it.txt").text == ITALIAN


@pytest.mark.parametrize("text", ["perché città", "Où est la bibliothèque? Le garçon a mangé à Noël."])
def test_short_latin1_texts(text: str) -> None:
    assert decode(text.encode("latin-1"), "x.txt").text == text


def test_other_single_byte_encodings_still_detected() -> None:
    russian = "Россия и Китай подписали соглашение о сотрудничестве в области космических исследований."
    assert decode(russian.encode("cp1251"), "ru.txt").text == russian


def test_sha256_is_of_the_exact_bytes(tmp_path: Path) -> None:
    data = ITALIAN.encode("cp1252")
    doc = read_path(write(tmp_path / "it.txt", data))
    assert doc.sha256 == hashlib.sha256(data).hexdigest()
    assert doc.sha256 != hashlib.sha256(doc.text.encode("utf-8")).hexdigest()


def test_text_is_not_normalised(tmp_path: Path) -> None:
    raw = "  Title\r\n\r\nBody\tline\u00a0one\rtwo\n\n"
    assert read_path(write(tmp_path / "crlf.txt", raw)).text == raw


def test_empty() -> None:
    assert reason(b"") == "empty file"


@pytest.mark.parametrize("data", [b" \n\t\r\n ", b"\xef\xbb\xbf \n", "\n \n".encode("utf-16")])
def test_whitespace_only(data: bytes) -> None:
    assert reason(data) == "file holds only whitespace"


@pytest.mark.parametrize(
    "data",
    [
        PNG_HEADER,
        b"text with a \x00 NUL",
        b"\xff\xfe\x00\x00" + "text".encode("utf-32-le"),  # UTF-32, not UTF-16
        b"\xff\xfeodd",  # a UTF-16 BOM, then an odd number of bytes
        "Perché la città?".encode("utf-16-le"),  # UTF-16 needs its BOM: NULs alone mean binary
    ],
)
def test_binary(data: bytes) -> None:
    assert reason(data) == "binary file, not text"


# --- UTF-8 with bytes that are not UTF-8 ---------------------------------------------------


def test_a_few_bad_bytes_in_utf8_are_replaced_not_read_as_another_charset() -> None:
    head, middle, tail = "Il ministro ha spiegato perché la città", " è pronta: più ", "università a settembre."
    data = head.encode() + b"\x96" + middle.encode() + b"\xff\xfe" + tail.encode()
    doc = decode(data, "bad.txt")
    assert doc.text == head + "\ufffd" + middle + "\ufffd\ufffd" + tail  # not "cittĂ\xa0"
    assert doc.warnings == ("3 bytes that are not UTF-8 replaced with U+FFFD (first at byte 41)",)
    assert doc.sha256 == hashlib.sha256(data).hexdigest()


def test_each_bad_byte_is_one_character_so_later_offsets_stay_right() -> None:
    data = "città ".encode() + b"\xe0\xa0" + " è qui".encode()  # a cut 3-byte sequence: two bad bytes
    doc = decode(data, "cut.txt")
    assert doc.text == "città \ufffd\ufffd è qui"
    assert doc.warnings == ("2 bytes that are not UTF-8 replaced with U+FFFD (first at byte 7)",)


def test_one_bad_byte_after_a_bom_counts_the_bom() -> None:
    doc = decode(b"\xef\xbb\xbf" + "Più città".encode() + b"\x80", "bom.txt")
    assert doc.text == "Più città\ufffd"
    assert doc.warnings == ("1 byte that is not UTF-8 replaced with U+FFFD (at byte 14)",)


def test_a_utf8_bom_keeps_utf8_however_many_bytes_are_bad() -> None:
    doc = decode(b"\xef\xbb\xbf" + "perché città".encode("cp1252"), "bom.txt")
    assert doc.text == "perch\ufffd citt\ufffd"
    assert doc.warnings == ("2 bytes that are not UTF-8 replaced with U+FFFD (first at byte 8)",)


def test_valid_utf8_and_other_charsets_give_no_warning() -> None:
    assert decode(ITALIAN.encode("utf-8"), "a.txt").warnings == ()
    assert decode(ITALIAN.encode("cp1252"), "b.txt").warnings == ()


def test_cp1252_with_a_chance_utf8_pair_is_still_cp1252() -> None:
    text = "PERCHÉ” disse il sindaco. La città è più bella, perché è pulita."
    data = text.encode("cp1252")
    assert "É”".encode("cp1252").decode("utf-8") == "ɔ"  # one valid UTF-8 sequence by chance
    assert decode(data, "caps.txt") == Document("caps.txt", text, hashlib.sha256(data).hexdigest())


@pytest.mark.parametrize(
    ("data", "text"),
    [
        (b"It\x92s a deal signed today", "It’s a deal signed today"),  # was read as Big5: "It𠏋s"
        (b"The minister said \x93yes\x94 to the deal.", "The minister said “yes” to the deal."),
    ],
)
def test_ascii_with_a_few_cp1252_bytes_is_not_read_as_cjk(data: bytes, text: str) -> None:
    assert decode(data, "q.txt").text == text


@pytest.mark.parametrize(
    ("text", "codec"), [("日本と韓国が協定に署名した。", "shift_jis"), ("中国和意大利签署了合作协议", "gbk")]
)
def test_cjk_charsets_are_still_detected(text: str, codec: str) -> None:
    assert decode(text.encode(codec), "cjk.txt").text == text


def test_decoding_warnings_head_the_records_warnings() -> None:
    data = "Roma – L’Italia e la Corea hanno firmato un accordo.".encode() + b"\xff"
    backend = Scripted(chat_completion(json.dumps({"mentions": []})))  # triage: nothing stated
    record = Extractor(backend, triage=True).extract_document(decode(data, "x.txt"))
    assert record.warnings == ["1 byte that is not UTF-8 replaced with U+FFFD (at byte 56)"]


# --- the size limit -------------------------------------------------------------------------


def test_input_at_the_limit_is_read_and_one_byte_more_is_refused(tmp_path: Path) -> None:
    assert TOO_LARGE == "larger than 10 MiB; factx reads articles, not archives"
    path = write(tmp_path / "big.txt", b"a" * MAX_BYTES)
    assert len(read_path(path).text) == MAX_BYTES
    with path.open("ab") as handle:
        handle.write(b"a")
    with pytest.raises(InputError) as caught:
        read_path(path)
    assert str(caught.value) == f"{path}: larger than 10 MiB; factx reads articles, not archives"
    with pytest.raises(InputError, match=r"^-: larger than 10 MiB; factx reads articles, not archives$"):
        read_stdin(io.BytesIO(b"a" * (MAX_BYTES + 1)))


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="no /dev/zero")
def test_an_endless_device_is_refused_in_one_line() -> None:
    with pytest.raises(InputError) as caught:
        read_path("/dev/zero")
    assert str(caught.value) == "/dev/zero: larger than 10 MiB; factx reads articles, not archives"
    result = run("extract", "/dev/zero", "--replay")
    assert result.returncode == 1 and result.stdout == b""
    assert result.stderr.decode().splitlines()[0] == (
        "error: /dev/zero: larger than 10 MiB; factx reads articles, not archives"
    )


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs")
def test_a_fifo_is_read(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    data = ITALIAN.encode("utf-8")

    def feed() -> None:
        with fifo.open("wb") as handle:
            handle.write(data)

    writer = threading.Thread(target=feed)
    writer.start()
    doc = read_path(fifo)
    writer.join(timeout=5)
    assert doc == Document(str(fifo), ITALIAN, hashlib.sha256(data).hexdigest())


@pytest.mark.skipif(not os.path.exists("/bin/bash"), reason="needs bash for <(...)")
def test_process_substitution_is_read() -> None:
    command = " ".join([*FACTX, "extract", f"<(cat {seed('004')})", "--replay"])
    env = {**os.environ, "FACTX_CACHE_DIR": str(ROOT / "fixtures" / "exchanges")}
    result = subprocess.run(["/bin/bash", "-c", command], capture_output=True, env=env, cwd=ROOT, timeout=60)
    assert result.returncode == 0, result.stderr
    record = json.loads(result.stdout)
    assert record["source"].startswith("/dev/fd/") and record["sha256"] == hashlib.sha256(
        seed("004").read_bytes()
    ).hexdigest()


def test_stdin_closed_is_one_line_error() -> None:
    command = " ".join([*FACTX, "extract", "-", "--replay", "<&-"])
    result = subprocess.run(["/bin/bash", "-c", command], capture_output=True, cwd=ROOT, timeout=60)
    assert result.returncode == 1 and result.stdout == b""
    assert result.stderr.decode().splitlines()[0] == "error: -: no standard input"


# --- reading paths and stdin --------------------------------------------------------------


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nope.txt"
    with pytest.raises(InputError) as caught:
        read_path(path)
    assert (caught.value.source, caught.value.reason) == (str(path), "no such file")


def test_directory(tmp_path: Path) -> None:
    with pytest.raises(InputError) as caught:
        read_path(tmp_path)
    assert caught.value.reason == "is a directory"


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root can read any file")
def test_permission_denied(tmp_path: Path) -> None:
    path = write(tmp_path / "secret.txt", "hidden")
    path.chmod(0)
    try:
        with pytest.raises(InputError) as caught:
            read_path(path)
    finally:
        path.chmod(0o600)
    assert caught.value.reason == "permission denied"


def test_other_os_errors_become_input_errors(tmp_path: Path) -> None:
    path = write(tmp_path / "file.txt", "x") / "under-a-file.txt"
    with pytest.raises(InputError) as caught:
        read_path(path)
    assert caught.value.reason == "not a directory"


def test_nul_in_path_is_an_input_error() -> None:
    with pytest.raises(InputError) as caught:
        read_path("bad\x00name.txt")
    assert caught.value.reason == "invalid path"


def test_read_stdin() -> None:
    data = "Accordo firmato.\r\n".encode("utf-8")
    doc = read_stdin(io.BytesIO(data))
    assert doc == Document(source="-", text="Accordo firmato.\r\n", sha256=hashlib.sha256(data).hexdigest())


def test_read_stdin_empty() -> None:
    with pytest.raises(InputError, match=r"^-: empty file$"):
        read_stdin(io.BytesIO(b""))


def test_error_message_is_one_line_starting_with_the_source(tmp_path: Path) -> None:
    path = write(tmp_path / "img.png", PNG_HEADER)
    with pytest.raises(InputError) as caught:
        read_path(path)
    message = str(caught.value)
    assert message == f"{path}: binary file, not text"
    assert "\n" not in message


# --- expanding arguments ------------------------------------------------------------------


@pytest.fixture
def tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder of articles with hidden entries, other suffixes and nested folders."""
    for name in [
        "b.txt",
        "a.md",
        "C.TXT",
        "notes.markdown",
        "plain.text",
        "data.json",
        "README",
        ".hidden.txt",
        "sub/z.txt",
        "sub/deeper/y.md",
        "sub-file.txt",
        ".git/HEAD.txt",
        "sub/.cache/x.txt",
    ]:
        write(tmp_path / "docs" / name, "text")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_text_suffixes() -> None:
    assert TEXT_SUFFIXES == {".txt", ".md", ".markdown", ".text"}


def test_folder_is_walked_sorted_filtered_and_without_hidden(tree: Path) -> None:
    assert expand_paths(["docs"]) == [
        "docs/C.TXT",
        "docs/a.md",
        "docs/b.txt",
        "docs/notes.markdown",
        "docs/plain.text",
        "docs/sub/deeper/y.md",
        "docs/sub/z.txt",
        "docs/sub-file.txt",
    ]


def test_named_files_and_stdin_are_kept_in_order(tree: Path) -> None:
    assert expand_paths(["docs/data.json", "-", "docs/README", "docs/.hidden.txt"]) == [
        "docs/data.json",
        "-",
        "docs/README",
        "docs/.hidden.txt",
    ]


def test_hidden_folder_named_explicitly_is_walked(tree: Path) -> None:
    assert expand_paths(["docs/.git"]) == ["docs/.git/HEAD.txt"]


def test_duplicates_are_kept_once_first_wins(tree: Path) -> None:
    args = ["docs/sub/z.txt", "docs/sub", "./docs/sub/z.txt", str(tree / "docs/b.txt"), "docs/b.txt"]
    assert expand_paths(args) == [
        "docs/sub/z.txt",
        "docs/sub/deeper/y.md",
        str(tree / "docs/b.txt"),
    ]


def test_symlink_to_a_listed_file_is_a_duplicate(tree: Path) -> None:
    (tree / "link.txt").symlink_to(tree / "docs" / "b.txt")
    assert expand_paths(["docs/b.txt", "link.txt"]) == ["docs/b.txt"]


def test_stdin_is_listed_once(tree: Path) -> None:
    assert expand_paths(["-", "docs/a.md", "-"]) == ["-", "docs/a.md"]


def test_missing_path_is_an_error_in_its_place(tree: Path) -> None:
    first, missing, last = expand_paths(["docs/a.md", "docs/missing.txt", "docs/b.txt"])
    assert (first, last) == ("docs/a.md", "docs/b.txt")
    assert isinstance(missing, InputError) and str(missing) == "docs/missing.txt: no such file or directory"


def test_folder_without_text_files_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    write(tmp_path / "empty" / "image.png", PNG_HEADER)
    (error,) = expand_paths([str(tmp_path / "empty")])
    assert isinstance(error, InputError)
    assert str(error) == f"{tmp_path / 'empty'}: no text files (.markdown, .md, .text, .txt) in this folder"


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root can read any folder")
def test_unreadable_subfolder_is_an_error_in_its_place(tree: Path) -> None:
    locked = tree / "docs" / "sub"
    locked.chmod(0)
    try:
        found = expand_paths(["docs"])
    finally:
        locked.chmod(0o700)
    errors = [(item.source, item.reason) for item in found if isinstance(item, InputError)]
    assert errors == [("docs/sub", "permission denied")]
    assert found[:5] == ["docs/C.TXT", "docs/a.md", "docs/b.txt", "docs/notes.markdown", "docs/plain.text"]
