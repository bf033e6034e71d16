"""The printable guidance map (A7): one page of A4 or A3 in each of the three languages, Noto CJK
fonts embedded, the text of the data on it (a department from the power list), rendered from the
same tree as the page; a change in the data gives a new PDF (the cache is keyed by the tree)."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone

from xinfang.core.actors import SYSTEM
from xinfang.guidance import rendering
from xinfang.guidance.rendering import map_pdf_render
from xinfang.guidance.selectors import guidance_map
from xinfang.orgs.models import Function, Level
from xinfang.powerlist.services import matter_type_create, power_add

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("pdf_tools")]

PDF = reverse("guidance:map_pdf")
# Page sizes in PostScript points, as pdfinfo prints them.
SIZES = {"a4": (595, 842), "a3": (842, 1191)}
DEPARTMENT = {
    "zh-hans": "区人社局",  # the short name: the PDF is compact
    "zh-hant": "區人社局",
    "en": "Test District Human Resources and Social Security Bureau",
}

# Reception points have no English name: English readers see the Chinese one (and can show it).
HALL = {"zh-hans": "测试区信访局接待大厅", "zh-hant": "測試區信訪局接待大廳", "en": "测试区信访局接待大厅"}


def _tool(name: str, path: Path, *args: str) -> str:
    command = [name, *args, str(path)] + (["-"] if name == "pdftotext" else [])
    return subprocess.run(command, capture_output=True, text=True, check=True).stdout  # noqa: S603


def _flat(text: str) -> str:
    return "".join(text.split())


@pytest.fixture
def download(client, tmp_path):
    def get(**params) -> Path:
        response = client.get(PDF, params)
        assert response.status_code == 200, response.content[:500]
        assert response["Content-Type"] == "application/pdf"
        path = tmp_path / f"map-{len(list(tmp_path.iterdir()))}.pdf"
        path.write_bytes(response.content)
        return path

    return get


class MapPdfTests:
    @pytest.mark.parametrize("size", ["a4", "a3"])
    @pytest.mark.parametrize("language", ["zh-hans", "zh-hant", "en"])
    def test_a7_one_page_embedded_fonts_and_the_departments(self, world, download, size, language):
        path = download(size=size, lang=language)
        info = _tool("pdfinfo", path)
        assert re.search(r"^Pages:\s+1$", info, re.M), info
        found = re.search(r"Page size:\s+([\d.]+) x ([\d.]+)", info)
        assert found is not None, info
        width, height = (float(v) for v in found.groups())
        assert (round(width), round(height)) == SIZES[size]
        fonts = [line.split() for line in _tool("pdffonts", path).splitlines()[2:]]
        cjk = [row for row in fonts if "Noto" in row[0] and "CJK" in row[0]]
        assert cjk, fonts
        assert all(row[-5] == "yes" for row in fonts), fonts  # every font embedded
        page = _flat(_tool("pdftotext", path, "-enc", "UTF-8"))
        assert _flat(DEPARTMENT[language]) in page
        assert _flat(HALL[language]) in page

    def test_a7_traditional_chinese_map_uses_the_traditional_font_first(self, world, download):
        fonts = _tool("pdffonts", download(size="a4", lang="zh-hant"))
        assert "CJK-TC" in fonts or "CJK TC" in fonts

    def test_a7_town_map_pdf_names_the_towns_office(self, world, download):
        path = download(size="a4", lang="zh-hans", point=str(world.town_a_room.pk))
        page = _flat(_tool("pdftotext", path, "-enc", "UTF-8"))
        assert "甲镇社会事务办公室" in page and "甲镇信访接待室" in page and "乙街道信访接待室" not in page

    def test_a7_no_drift_a_new_entry_gives_a_new_pdf(self, world, download):
        first = download(size="a4", lang="zh-hans")
        assert download(size="a4", lang="zh-hans").read_bytes() == first.read_bytes()  # cached
        matter_type = matter_type_create(actor=SYSTEM, code="NOISE", name="噪声扰民", sort_order=3)
        power_add(
            actor=SYSTEM,
            matter_type=matter_type,
            level=Level.DISTRICT,
            function=Function.COURT,
            legal_basis="《噪声污染防治法》",
            valid_from=timezone.localdate(),
        )
        page = _flat(_tool("pdftotext", download(size="a4", lang="zh-hans"), "-enc", "UTF-8"))
        assert "噪声扰民" in page

    def test_a7_a_large_power_list_still_fits_one_page(self, world, monkeypatch):
        """A hundred and twenty matter types do not fit at the normal type size: the type is made
        smaller until the map fits one page."""
        for n in range(120):
            matter_type = matter_type_create(
                actor=SYSTEM, code=f"BULK-{n:02d}", name=f"第{n}类事项（含较长的名称用于测试排版）"
            )
            power_add(
                actor=SYSTEM,
                matter_type=matter_type,
                level=Level.DISTRICT,
                function=Function.FUNCTIONAL,
                department_keyword="人力资源",
                legal_basis="《某条例》",
                valid_from=world.since,
            )
        tree = guidance_map(language="zh-hans")
        _pdf, pages = map_pdf_render(tree, paper="a4", url="http://testserver/guide/")
        assert pages == 1
        monkeypatch.setattr(rendering, "SCALES", rendering.SCALES[:1])
        _pdf, pages = map_pdf_render(tree, paper="a4", url="http://testserver/guide/")
        assert pages > 1
