"""The targets tab: its filters, the table (a row opens its sentence), the CSV, and the
chart of one indicator (a numbered bar's sentence opens like a citation)."""

from __future__ import annotations

from dataclasses import dataclass

import gradio as gr
from gradio.events import Dependency

from assistant import targets_table
from assistant.web.chart import CHART_HINT
from assistant.web.filters import ALL_PROVINCES, province_choices
from assistant.web.handlers import Handlers
from assistant.web.library import Library
from assistant.web.render import message_html
from assistant.web.statics import PRIVATE, static_text
from assistant.web.targets_view import (
    ALL_INDICATORS,
    TARGET_SORTS,
    indicator_choices,
    target_rows,
    target_table,
)


@dataclass(frozen=True)
class TargetsTab:
    province: gr.Dropdown
    indicator: gr.Dropdown
    sort: gr.Dropdown
    table: gr.Dataframe
    rows: gr.State
    count: gr.HTML
    export: gr.DownloadButton
    chart: gr.Image
    chart_notes: gr.HTML
    chart_export: gr.DownloadButton

    @property
    def inputs(self) -> list[gr.components.Component]:
        """The filters, in the order `Handlers.show_targets` takes them."""
        return [self.province, self.indicator, self.sort]

    @property
    def outputs(self) -> list[gr.components.Component]:
        """What `Handlers.show_targets` returns, in order."""
        return [self.table, self.rows, self.indicator, self.count, self.export]


def targets_tab(library: Library) -> TargetsTab:
    """The targets tab: filters, the table, its CSV, and the chart of one indicator."""
    gr.Markdown(
        "Các chỉ tiêu và kết quả nêu trong tài liệu đã lập chỉ mục, mỗi dòng gắn "
        "với câu trong tài liệu. Bấm vào một dòng để mở tài liệu tại câu đó."
    )
    with gr.Row():
        province = gr.Dropdown(
            province_choices(),
            value=ALL_PROVINCES,
            label="Tỉnh/thành (tên cũ hoặc tên sau sáp nhập)",
            elem_id="targets-province",
            scale=3,
        )
        indicator = gr.Dropdown(
            indicator_choices(library.documents()),
            value=ALL_INDICATORS,
            label="Chỉ tiêu",
            elem_id="targets-indicator",
            scale=4,
        )
        sort = gr.Dropdown(
            TARGET_SORTS, value="province", label="Sắp xếp theo", elem_id="targets-sort", scale=2
        )
    initial = target_rows(library.documents())
    table = gr.Dataframe(
        target_table(initial),
        headers=targets_table.HEADERS,
        datatype="str",
        interactive=False,
        column_widths=["11%", "23%", "9%", "8%", "11%", "10%", "9%", "19%"],
        label="Chỉ tiêu và kết quả",
        elem_id="targets-table",
        wrap=True,
        max_height=640,
        pinned_columns=1,
    )
    rows = gr.State(initial)
    with gr.Row(equal_height=True):
        count = gr.HTML("", js_on_load=None, elem_id="targets-count", scale=4)
        export = gr.DownloadButton(
            "Tải bảng (CSV)",
            value=None,
            interactive=False,
            size="sm",
            scale=1,
            elem_id="targets-export",
        )
    with gr.Accordion("Biểu đồ: chỉ tiêu và kết quả theo tỉnh", open=True, elem_id="chart-box"):
        chart = gr.Image(
            None,
            type="filepath",
            show_label=False,
            interactive=False,
            buttons=[],
            visible=False,
            elem_id="targets-chart",
        )
        chart_notes = gr.HTML(
            message_html("vd-note", CHART_HINT),
            js_on_load=static_text("panel.js"),
            elem_id="chart-notes",
        )
        chart_export = gr.DownloadButton(
            "Tải biểu đồ (PNG)", value=None, interactive=False, size="sm", elem_id="chart-export"
        )
    return TargetsTab(
        province, indicator, sort, table, rows, count, export, chart, chart_notes, chart_export
    )


def refresh_targets(handlers: Handlers, targets: TargetsTab, event: Dependency) -> None:
    """After `event` (a filter, an upload, a removal, a page load): the table, then the chart."""
    chart_outputs = [targets.chart, targets.chart_notes, targets.chart_export]
    event.then(handlers.show_targets, targets.inputs, targets.outputs, **PRIVATE).then(
        handlers.show_chart, [targets.rows, targets.indicator], chart_outputs, **PRIVATE
    )


def wire_targets(
    handlers: Handlers, targets: TargetsTab, doc_outputs: list[gr.components.Component]
) -> None:
    """Filters redraw the table and the chart; a row or a bar opens its sentence."""
    chart_outputs = [targets.chart, targets.chart_notes, targets.chart_export]
    for control in targets.inputs:
        control.input(handlers.show_targets, targets.inputs, targets.outputs, **PRIVATE).then(
            handlers.show_chart, [targets.rows, targets.indicator], chart_outputs, **PRIVATE
        )
    targets.chart_notes.cite(handlers.open_bar, None, doc_outputs, **PRIVATE)
    targets.table.select(handlers.open_target, [targets.rows], doc_outputs, **PRIVATE)
