"""Attachments: type checked by content (magic bytes), not by name; size limited; sha256 stored;
saved in the same transaction as the matter — a bad file is a clear error and nothing is written."""

from __future__ import annotations

import hashlib

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from xinfang.accounts.roles import Role
from xinfang.audit.models import AuditEvent
from xinfang.core.testing import make_user
from xinfang.petitions.models import Attachment, Matter, Petitioner
from xinfang.petitions.services.intake import LinkDecision, attachment_add, sniff_content_type
from xinfang.petitions.states import LinkKind
from xinfang.petitions.testing import register_walk_in

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00"
TEXT = "信访人口述：工资拖欠三个月。\r\n".encode()
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def upload(name: str, content: bytes, content_type: str = "application/octet-stream") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


def files_on_disk(root) -> list:
    return [p for p in root.rglob("*") if p.is_file()]


class SniffTests:
    @pytest.mark.parametrize(
        ("content", "expected"),
        [
            (PDF, "application/pdf"),
            (JPEG, "image/jpeg"),
            (PNG, "image/png"),
            (TEXT, "text/plain"),
            ("反映情况".encode("gb18030"), "text/plain"),
            (EXE, None),
            (b"plain text\x00with a NUL", None),
            (b"PK\x03\x04zip archive", None),
        ],
    )
    def test_type_is_recognised_by_content(self, content, expected):
        assert sniff_content_type(content) == expected


class RegisterWithAttachmentsTests:
    def test_files_stored_with_hash_in_the_same_transaction(self, mini, media):
        matter = register_walk_in(
            mini, attachments=[upload("材料.pdf", PDF), upload("现场.jpg", JPEG), upload("口述.txt", TEXT)]
        )
        stored = {a.content_type: a for a in matter.attachments.all()}
        assert set(stored) == {"application/pdf", "image/jpeg", "text/plain"}
        assert stored["application/pdf"].sha256 == hashlib.sha256(PDF).hexdigest()
        assert stored["application/pdf"].size == len(PDF)
        assert stored["application/pdf"].file.read() == PDF
        assert len(files_on_disk(media)) == 3
        event = AuditEvent.objects.get(action="matter.register", object_id=str(matter.pk))
        assert event.summary["after"]["attachments"] == 3

    def test_type_comes_from_the_content_not_the_name(self, mini):
        matter = register_walk_in(mini, attachments=[upload("scan.jpg", PDF, "image/jpeg")])
        assert matter.attachments.get().content_type == "application/pdf"

    def test_bad_type_is_refused_and_nothing_is_written(self, mini, media):
        with pytest.raises(ValidationError) as exc:
            register_walk_in(mini, attachments=[upload("材料.pdf", PDF), upload("发票.pdf", EXE, "application/pdf")])
        assert "发票.pdf" in exc.value.message_dict["attachments"][0]
        assert "类型不允许" in exc.value.message_dict["attachments"][0]
        assert Matter.objects.count() == 0 and Petitioner.objects.count() == 0 and Attachment.objects.count() == 0
        assert files_on_disk(media) == []

    def test_too_large_is_refused(self, mini, settings):
        settings.XINFANG_ATTACHMENT_MAX_BYTES = 16
        with pytest.raises(ValidationError) as exc:
            register_walk_in(mini, attachments=[upload("材料.pdf", PDF)])
        assert "超过大小上限" in exc.value.message_dict["attachments"][0]
        assert Matter.objects.count() == 0

    def test_empty_file_is_refused(self, mini):
        with pytest.raises(ValidationError) as exc:
            register_walk_in(mini, attachments=[upload("空.txt", b"")])
        assert "空文件" in exc.value.message_dict["attachments"][0]

    def test_allowed_types_come_from_settings(self, mini, settings):
        settings.XINFANG_ATTACHMENT_TYPES = ["application/pdf"]
        with pytest.raises(ValidationError):
            register_walk_in(mini, attachments=[upload("现场.png", PNG)])
        assert register_walk_in(mini, attachments=[upload("材料.pdf", PDF)]).attachments.count() == 1

    def test_same_file_twice_is_stored_once(self, mini):
        matter = register_walk_in(mini, attachments=[upload("a.pdf", PDF), upload("b.pdf", PDF)])
        assert matter.attachments.count() == 1

    def test_file_written_before_a_later_failure_is_removed(self, mini, media):
        # The decision on a repeat fails after the files are on disk: the whole registration rolls
        # back, and the stored file goes with it.
        earlier = register_walk_in(mini)
        before = files_on_disk(media)
        bad = LinkDecision(other=earlier, kind=LinkKind.PENDING_HIGHER, reason="同一事项")
        with pytest.raises(ValidationError):
            register_walk_in(mini, attachments=[upload("材料.pdf", PDF)], links=[bad])
        assert Matter.objects.count() == 1 and Attachment.objects.count() == 0
        assert files_on_disk(media) == before


class AttachmentAddTests:
    def test_clerk_adds_a_file_with_an_audit_event(self, mini):
        matter = register_walk_in(mini)
        clerk = make_user((Role.RECEPTION_CLERK, mini.petition_bureau))
        attachment = attachment_add(actor=clerk, matter=matter, upload=upload("补充.png", PNG))
        assert attachment.sha256 == hashlib.sha256(PNG).hexdigest() and attachment.content_type == "image/png"
        event = AuditEvent.objects.get(action="matter.attachment_add", object_id=str(matter.pk))
        assert event.summary["after"]["sha256"] == attachment.sha256
        assert "补充" not in str(event.summary)  # the file name may name people: not logged

    def test_same_file_again_is_refused(self, mini):
        matter = register_walk_in(mini, attachments=[upload("材料.pdf", PDF)])
        clerk = make_user((Role.RECEPTION_CLERK, mini.petition_bureau))
        with pytest.raises(ValidationError) as exc:
            attachment_add(actor=clerk, matter=matter, upload=upload("again.pdf", PDF))
        assert "已经是本事项的附件" in exc.value.message_dict["attachments"][0]

    def test_bad_file_is_refused(self, mini, media):
        matter = register_walk_in(mini)
        clerk = make_user((Role.RECEPTION_CLERK, mini.petition_bureau))
        with pytest.raises(ValidationError):
            attachment_add(actor=clerk, matter=matter, upload=upload("x.txt", EXE))
        assert matter.attachments.count() == 0 and files_on_disk(media) == []

    def test_clerk_of_another_town_or_a_supervisor_may_not_add(self, mini):
        matter = register_walk_in(mini, organisation=mini.town_a_office)
        for user in (
            make_user((Role.RECEPTION_CLERK, mini.town_b_office)),
            make_user((Role.SUPERVISOR, mini.district)),
        ):
            with pytest.raises(PermissionDenied):
                attachment_add(actor=user, matter=matter, upload=upload("a.pdf", PDF))
