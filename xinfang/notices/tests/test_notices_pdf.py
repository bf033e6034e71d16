"""The PDF of an instrument: text (number, title, Chinese body), embedded subset Noto CJK fonts,
the blank seal area and no image of a seal, the verification code; a clear error without fonts."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from xinfang.notices import rendering
from xinfang.notices.kinds import DocumentKind
from xinfang.notices.services import document_issue

from .conftest import HANDLING_OPINION

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("pdf_tools")]


def _tool(name: str, path: Path, *args: str) -> str:
    command = [name, *args, str(path)] if name != "pdftotext" else [name, *args, str(path), "-"]
    return subprocess.run(command, capture_output=True, text=True, check=True).stdout  # noqa: S603


@pytest.fixture
def opinion(world, tmp_path):
    document = document_issue(
        actor=world.handler,
        kind=DocumentKind.HANDLING_OPINION,
        organisation=world.mini.housing_bureau,
        matter=world.housing_matter,
        context=HANDLING_OPINION,
    )
    path = tmp_path / "opinion.pdf"
    path.write_bytes(bytes(document.pdf))
    return document, path


class PdfContentTests:
    def test_text_has_number_title_organ_and_chinese_body(self, opinion):
        document, path = opinion
        text = "".join(_tool("pdftotext", path, "-enc", "UTF-8").split())
        for expected in (
            document.number,
            "信访处理意见书",
            "测试区住建局",
            "请求责令施工单位支付拖欠的三个月工资",
            "予以支持",
        ):
            assert "".join(expected.split()) in text, expected
        assert document.verification_code in text

    def test_noto_cjk_font_is_embedded_and_subset(self, opinion):
        _, path = opinion
        fonts = [line.split() for line in _tool("pdffonts", path).splitlines()[2:]]
        cjk = [row for row in fonts if "Noto" in row[0] and "CJK" in row[0]]
        assert cjk, fonts
        for row in cjk:
            emb, sub = row[-5], row[-4]
            assert (emb, sub) == ("yes", "yes"), row

    def test_seal_area_is_blank_and_no_seal_is_drawn(self, opinion):
        _, path = opinion
        assert "盖章处" in _tool("pdftotext", path, "-enc", "UTF-8")
        # The only graphic besides text is the vector QR code: no raster image at all, so no seal picture.
        images = _tool("pdfimages", path, "-list").splitlines()[2:]
        assert images == []
        assert path.stat().st_size < 300_000

    def test_pdf_is_a4(self, opinion):
        _, path = opinion
        info = _tool("pdfinfo", path)
        assert "595.276 x 841.89" in info or "595.28 x 841.89" in info


class FontCheckTests:
    def test_missing_cjk_font_is_a_clear_error(self, monkeypatch):
        """Not a mock of our code: fontconfig is pointed at an empty configuration."""
        monkeypatch.setattr(rendering, "_FC_LIST_ARGS", (":lang=zz-nonexistent", "family"))
        with pytest.raises(rendering.FontMissingError, match="fonts-noto-cjk"):
            rendering.font_check()
