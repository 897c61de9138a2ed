"""云游 eSIM (Yunyou): a Chinese eSIM app's usage export, GB18030, the line above the header.

``费用(元)`` is positive for charges and carries top-ups as negative amounts, which is our
convention already. ``备注`` holds the direction, the other number and a call's mm:ss.
"""

from analyzer.importers.base import TableMapping
from analyzer.importers.specs import (
    Choice,
    Const,
    Country,
    DataVolume,
    Duration,
    Money,
    Text,
    Timestamp,
    When,
)
from analyzer.importers.tabular import Fact, TabularLayout

LAYOUT = TabularLayout(
    name="yunyou_csv",
    carrier="云游 eSIM",
    header=("日期", "时间", "类型", "流量(MB)", "费用(元)", "备注"),
    currency="CNY",
    preamble_fields={"line": r"号码[：:]\s*(\+?[\d ]+\d)", "as_of": r"导出时间[：:]\s*(\S+ \S+)"},
    mapping=TableMapping(
        region="CN",
        derived={
            "对方号码": ("备注", r"(?:呼出|呼入|发送|接收|转出至|转入自)\s*(\+?[\d ]*\d)"),
            "方向": ("备注", r"^(呼出|呼入|发送|接收|转出至|转入自)"),
            "时长": ("备注", r"时长\s*(\d+:\d{2}(?::\d{2})?)"),
        },
        fields={
            "line": Fact("line"),
            "started_at": Timestamp("日期", "时间", formats=("%Y-%m-%d %H:%M:%S",)),
            "kind": Choice(
                "类型",
                {
                    "流量": "data",
                    "通话": "voice",
                    "短信": "sms",
                    "彩信": "mms",
                    "充值": "topup",
                    "流量转移": "transfer",
                },
            ),
            "direction": Choice(
                "方向",
                {
                    "呼出": "out",
                    "发送": "out",
                    "转出至": "out",
                    "呼入": "in",
                    "接收": "in",
                    "转入自": "in",
                },
                default=None,
            ),
            "quantity": When(
                "类型", "^通话$", Duration("时长"), DataVolume("流量(MB)", unit="MB", base=1024)
            ),
            "duration_s": Duration("时长"),
            "counterparty": Text("对方号码"),
            "country": Country(
                "国家/地区", aliases={"中国香港": "HK", "中国澳门": "MO", "中国台湾": "TW"}
            ),
            "network": Text("运营商"),
            "amount": Money("费用(元)"),
            "currency": Const("CNY"),
            "description": Text("备注"),
        },
    ),
)
