"""The words and patterns of page furniture on Vietnamese news sites.

Tables only: `ingest.furniture` applies them to one line at a time, and
`ingest.clean` to the page as a whole. Phrases and words are stored folded
(`ingest.normalize.fold`), as lines are compared.
"""

from __future__ import annotations

import re

from ingest.normalize import fold, folded_words

# A line that ends like a sentence, and a line that starts like a list item.
SENTENCE_END = re.compile(r"(?:[.!?…;:]|\.\.)[\s\"'”’»)\]]*$")
BULLET = re.compile(r"^(?:[-–—•·▪◦●○■□►▶✓✔+*]\s*|\d{1,2}[.)]\s+|[a-zđ][.)]\s+)")


def _phrases(*items: str) -> frozenset[str]:
    return frozenset(fold(item) for item in items)


COUNTER = re.compile(
    r"(?:lượt|số lượt|số lần)\s+(?:xem|đọc|truy cập|thích|chia sẻ|bình luận|nghe)"
    r"|\bđã xem\b|^\d[\d.,]*\s*(?:views?|lượt)\b|^views?\s*:"
)
COUNTER_WORDS = folded_words(
    "lượt số lần đã xem đọc truy cập thích chia sẻ bình luận nghe views view like"
)
_STATS_LABELS = (
    r"thống kê truy cập|thống kê lượt truy cập|đang online|đang trực tuyến|đang truy cập"
    r"|tổng truy cập|tổng lượt truy cập|tổng số lượt truy cập|lượt truy cập|số lượt truy cập"
    r"|khách online|thành viên online|số người online|online"
)
_STATS_WITH_NUMBER = (
    r"hôm nay|hôm qua|trong tuần|tuần này|tuần trước|trong tháng|tháng này|tháng trước"
    r"|trong năm|năm nay|tất cả|tổng cộng|tổng số|truy cập|khách|thành viên"
)
STATS = re.compile(
    rf"^(?:(?P<label>{_STATS_LABELS})\s*[:：]?\s*[\d.,\s]*"
    rf"|(?:{_STATS_WITH_NUMBER})\s*[:：]?\s*\d[\d.,\s]*)$"
)

DATE = re.compile(
    r"(?<![\d/.\-])(\d{1,2})\s*([/.\-])\s*(\d{1,2})\s*\2\s*(\d{4}|\d{2})(?!\d|[/.\-]\d)"
    r"|\bngày\s+(\d{1,2})\s+tháng\s+(\d{1,2})(?:\s*(?:năm|,)\s*(\d{4}))?"
)
TIME = re.compile(r"(?<!\d)\d{1,2}\s*(?::|h)\s*\d{2}(?!\d)")
STAMP_WORDS = folded_words(
    "thứ hai ba tư năm sáu bảy bẩy chủ nhật cn ngày tháng lúc giờ phút gmt utc ict am pm"
    " sáng chiều tối trưa đêm cập đăng xuất bản thời gian update updated posted published"
    " lần cuối sửa đổi hôm nay a lượt xem đọc t2 t3 t4 t5 t6 t7 monday tuesday wednesday"
    " thursday friday saturday sunday mon tue wed thu fri sat sun vào"
)

PAGINATION_WORDS = folded_words(
    "trang sau trước tiếp đầu cuối next prev previous first last more xem tiếp theo"
)
PAGINATION = re.compile(r"^[\d\s.…«»‹›<>|/,\-–]+$")

MENU_LINES = _phrases(
    "Trang chủ",
    "Giới thiệu",
    "Liên hệ",
    "Đăng nhập",
    "Đăng ký",
    "Đăng xuất",
    "Tìm kiếm",
    "Sơ đồ site",
    "Sơ đồ trang",
    "Sơ đồ cổng",
    "English",
    "Tiếng Việt",
    "RSS",
    "Menu",
    "Góp ý",
    "Hỏi đáp",
    "Quay lại",
    "Về đầu trang",
    "Lên đầu trang",
    "Trở về",
    "Home",
)
MENU_SEPARATOR = re.compile(r"\s+[>»›|/]\s+|\s*[»›]\s*")

SHARE_WORDS = folded_words(
    "chia sẻ share facebook twitter zalo email e mail in bài bản gửi lưu tin tweet like thích"
    " copy link sao chép liên kết tăng giảm cỡ chữ a nghe đọc viết google linkedin pinterest"
    " telegram messenger print theo dõi x fb 0 +"
)
SHARE_MARKERS = folded_words(
    "chia share facebook twitter zalo email tweet like link cỡ in lưu gửi nghe print fb"
)

FOOTER_ANYWHERE = re.compile(
    r"©|\bcopyright\b|all rights reserved|ghi rõ nguồn|powered by|bản quyền thuộc"
)
FOOTER_LABEL = re.compile(
    r"^(?:giấy phép(?: số| xuất bản| hoạt động| thiết lập| mxh| trang)?|chịu trách nhiệm"
    r"(?: nội dung| xuất bản| chính)?|(?:phó )?tổng biên tập|cơ quan chủ quản|đơn vị chủ quản"
    r"|cơ quan chủ trì|trưởng ban biên tập|thiết kế bởi|phát triển bởi)\b"
)
CONTACT_LABEL = re.compile(
    r"^(?:địa chỉ|điện thoại|đt|tel|email|e-mail|fax|hotline|website|đường dây nóng)\s*[:：]"
)

CAPTION_START = re.compile(
    r"^[(\[]?\s*(?:ảnh|hình|nguồn ảnh|ảnh minh họa|ảnh tư liệu|ảnh chụp màn hình|photo|video|clip)"
    r"\s*(?:[:：]|minh họa|tư liệu|internet|$)"
)
CAPTION_END = re.compile(
    r"(?:\(\s*(?:ảnh|hình|photo)\s*(?:[:：]|minh họa|tư liệu)[^()]*\)"
    r"|[.\-–—|]\s*(?:ảnh|hình|photo)\s*[:：][^.]{1,60})\s*$"
)
CREDIT_ONLY = re.compile(
    r"^[(\[]?\s*(?:ảnh|hình|nguồn ảnh|photo)\s*(?:[:：]|minh họa|tư liệu)[^.]{0,60}[)\]]?$"
)

RELATED_LINK = re.compile(
    r"^(?:>>|»|►|▶|→|=>|\[video\]|(?:xem thêm|đọc thêm|xem tiếp|đọc tiếp|tin liên quan"
    r"|bài liên quan|xem chi tiết|xem video|video|clip)\s*[:：>»])"
)
FILE_OR_URL = re.compile(
    r"^(?:https?://\S+|www\.\S+|\S+\.(?:jpe?g|png|gif|webp|svg|pdf|docx?|mp4)|\S+@\S+\.\w+)$",
    re.IGNORECASE,
)
PLACEHOLDERS = _phrases(
    "no title", "untitled", "no image", "loading", "đang tải", "đang cập nhật", "null", "undefined"
)

# Headings that end the article when they come after the body.
END_HEADINGS = _phrases(
    "Có thể bạn quan tâm",
    "Bạn có thể quan tâm",
    "Có thể bạn muốn xem",
    "Có thể bạn chưa đọc",
    "Có thể bạn thích",
    "Tin liên quan",
    "Các tin liên quan",
    "Tin bài liên quan",
    "Bài liên quan",
    "Bài viết liên quan",
    "Tin cùng chuyên mục",
    "Tin cùng chủ đề",
    "Bài cùng chuyên mục",
    "Tin khác",
    "Các tin khác",
    "Tin tức khác",
    "Bài viết khác",
    "Các bài viết khác",
    "Các tin đã đưa",
    "Tin đã đưa",
    "Tin mới",
    "Tin mới nhất",
    "Tin mới cập nhật",
    "Tin nổi bật",
    "Tin tiêu điểm",
    "Đọc nhiều",
    "Đọc nhiều nhất",
    "Xem nhiều",
    "Xem nhiều nhất",
    "Tin đọc nhiều",
    "Tin xem nhiều",
    "Đừng bỏ lỡ",
    "Tất cả chuyên mục",
    "Liên kết website",
    "Liên kết web",
    "Website liên kết",
    "Các website liên kết",
    "Thống kê truy cập",
    "Bình luận",
    "Ý kiến",
    "Ý kiến bạn đọc",
    "Gửi bình luận",
    "Viết bình luận",
    "Gửi ý kiến",
    "Bình luận của bạn",
    "Ý kiến của bạn",
    "Tags",
    "Từ khóa",
    "Thẻ",
)
# Of those, the ones that some sites also put inside the article, as a box of links.
RELATED_HEADINGS = _phrases(
    "Có thể bạn quan tâm",
    "Bạn có thể quan tâm",
    "Tin liên quan",
    "Các tin liên quan",
    "Tin bài liên quan",
    "Bài liên quan",
    "Bài viết liên quan",
)
# Headings of a box of links that may sit inside the page: drop the box only.
BOX_HEADINGS = _phrases(
    "Xem thêm",
    "Đọc thêm",
    "Xem tiếp",
    "Đọc tiếp",
    "Phim tư liệu",
    "Video",
    "Video clip",
    "Thư viện ảnh",
    "Thư viện video",
    "Tin ảnh",
    "Tin video",
    "Multimedia",
    "Podcast",
    "Emagazine",
    "Infographic",
    "Infographics",
    "Tiêu điểm",
    "Chuyên mục",
    "Liên kết",
    "Quảng cáo",
    "Tài trợ",
    "Sự kiện nổi bật",
    "Chủ đề nóng",
)
LABELLED_END = re.compile(r"^(?:tags?|từ khóa|thẻ)\s*[:：]")
