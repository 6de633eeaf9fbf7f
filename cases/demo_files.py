"""The files of the demo case, generated on the spot (no binaries in the repository).

Each function returns (file name, bytes) for one kind of evidence an officer would really upload: a
letter as PDF, a screenshot as PNG, order records as XLSX and a note as UTF-8 text. The content is
fictitious and deterministic (a fixed random seed), so the same story is told on every machine.
"""

import datetime
import io
import random

from django.utils import timezone

ORDER_HEADERS = [
    "订单编号",
    "下单时间",
    "买家账号",
    "收货城市",
    "商品名称",
    "数量",
    "单价（元）",
    "实付金额（元）",
    "订单状态",
]
PRODUCTS = [
    ("“御康”牌灵芝孢子粉胶囊（60粒）", 398),
    ("“御康”牌深海鱼油软胶囊（100粒）", 268),
    ("“御康”牌降糖茶（30袋）", 199),
]
CITIES = ["深圳市福田区", "深圳市南山区", "深圳市宝安区", "深圳市龙岗区", "深圳市罗湖区", "杭州市西湖区"]
STATUSES = ["已签收", "已签收", "已签收", "退款中", "已退款"]


def order_period(today: datetime.date | None = None) -> tuple[datetime.date, datetime.date]:
    """The three full calendar months before today: the period the orders and recordings cover."""
    today = today or timezone.localdate()
    end = today.replace(day=1) - datetime.timedelta(days=1)
    start = end.replace(day=1)
    for _ in range(2):
        start = (start - datetime.timedelta(days=1)).replace(day=1)
    return start, end


def chinese_date(day: datetime.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def period_text() -> str:
    start, end = order_period()
    return f"{chinese_date(start)}至{chinese_date(end)}"


def assistance_letter_pdf(*, case_number: str, company: str, shop: str, platform: str) -> tuple[str, bytes]:
    """The assistance letter (协助调查函) from Shenzhen to Hangzhou, in Chinese, as a one-page PDF."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    body = ParagraphStyle("body", fontName="STSong-Light", fontSize=12, leading=22, wordWrap="CJK")
    title = ParagraphStyle("title", parent=body, fontSize=20, leading=30, alignment=1)
    right = ParagraphStyle("right", parent=body, alignment=2)
    paragraphs = [
        Paragraph("深圳市市场监督管理局", title),
        Paragraph("协助调查函", title),
        Spacer(1, 6 * mm),
        Paragraph(f"{case_number}", right),
        Spacer(1, 4 * mm),
        Paragraph("杭州市市场监督管理局：", body),
        Paragraph(
            f"我局在办理{platform}直播间“{shop}”涉嫌虚假宣传保健食品一案中，发现该店铺经营者为贵辖区登记的"
            f"{company}。该店铺在直播中宣称其销售的保健食品“治疗糖尿病”“三个月停药”，"
            "涉嫌违反《中华人民共和国广告法》第十七条、第十八条及《中华人民共和国反不正当竞争法》第八条的规定。",
            body,
        ),
        Paragraph(
            "根据《市场监督管理行政处罚程序规定》第十六条及两局签订的数字化执法协作协议，"
            "请贵局协助调取以下材料：",
            body,
        ),
        Paragraph(f"一、{company}的企业登记档案（含章程、股东及法定代表人信息）；", body),
        Paragraph(f"二、该店铺{period_text()}在平台的全部订单记录；", body),
        Paragraph("三、上述期间直播回放录像及平台留存的直播脚本。", body),
        Paragraph("请于收到本函之日起十五个工作日内回复。如需延长办理期限，请在期限届满前告知我局。", body),
        Spacer(1, 10 * mm),
        Paragraph("联系人：深圳市市场监督管理局市场稽查局（演示数据）", body),
        Spacer(1, 10 * mm),
        Paragraph("深圳市市场监督管理局", right),
        Paragraph(chinese_date(timezone.localdate()), right),
    ]
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=25 * mm,
        rightMargin=25 * mm,
        topMargin=25 * mm,
        bottomMargin=25 * mm,
        title="协助调查函",
        author="深圳市市场监督管理局",
    )
    document.build(paragraphs)
    return "协助调查函.pdf", buffer.getvalue()


def live_stream_screenshot_png() -> tuple[str, bytes]:
    """A fake phone screenshot of the live stream: presenter, product card, comments, price tag."""
    from PIL import Image, ImageDraw, ImageFont

    width, height = 720, 1280
    image = Image.new("RGB", (width, height), (24, 24, 32))
    draw = ImageDraw.Draw(image)
    font = _font(ImageFont, 28)
    small = _font(ImageFont, 22)
    # the presenter, as simple shapes
    draw.rectangle((0, 0, width, 860), fill=(58, 44, 62))
    draw.ellipse((250, 170, 470, 390), fill=(233, 196, 170))
    draw.rounded_rectangle((180, 400, 540, 860), radius=60, fill=(196, 40, 60))
    # top bar: live badge and viewers
    draw.rounded_rectangle((24, 30, 150, 78), radius=20, fill=(254, 44, 85))
    draw.text((44, 38), "LIVE", fill="white", font=font)
    draw.text((170, 40), "12.8w watching", fill=(230, 230, 230), font=small)
    # the product held up in the stream
    draw.rounded_rectangle((440, 560, 640, 820), radius=16, fill=(250, 214, 80), outline="white", width=4)
    draw.text((462, 660), "60 caps", fill=(90, 50, 0), font=small)
    # comments scrolling on the left
    for row, text in enumerate(["user_3921: real?", "user_0087: ordered 3!", "user_5512: cures it?"]):
        top = 900 + row * 56
        draw.rounded_rectangle((24, top, 430, top + 44), radius=20, fill=(0, 0, 0))
        draw.text((40, top + 8), text, fill=(255, 230, 150), font=small)
    # product card at the bottom
    draw.rounded_rectangle((24, 1090, 696, 1250), radius=20, fill=(255, 255, 255))
    draw.rectangle((44, 1110, 164, 1230), fill=(250, 214, 80))
    draw.text((190, 1120), "Capsules 60 pcs", fill=(30, 30, 30), font=font)
    draw.text((190, 1170), "CNY 398  -> buy now", fill=(254, 44, 85), font=font)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return "直播间截图.png", buffer.getvalue()


def _font(image_font, size: int):
    try:
        return image_font.load_default(size=size)
    except TypeError:  # Pillow older than 10.1 has one fixed-size default font
        return image_font.load_default()


def order_records_xlsx(*, shop: str, rows: int = 40) -> tuple[str, bytes]:
    """The shop's orders from Shenzhen buyers, as the platform would export them (Chinese headers)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter

    rng = random.Random(20260901)
    period_start, period_end = order_period()
    days = (period_end - period_start).days + 1
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "订单记录"
    sheet.append([f"{shop} 订单记录（{period_text()}，深圳收货地址，演示数据）"])
    sheet.append(ORDER_HEADERS)
    for cell in sheet[2]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
    start = datetime.datetime.combine(period_start, datetime.time(19, 30))
    for number in range(1, rows + 1):
        product, price = rng.choice(PRODUCTS)
        quantity = rng.choice([1, 1, 1, 2, 3])
        ordered_at = start + datetime.timedelta(days=rng.randrange(days), minutes=rng.randrange(180))
        sheet.append(
            [
                f"DY{ordered_at:%Y%m%d}{number:06d}",
                ordered_at,
                f"buyer_{rng.randrange(10000, 99999)}",
                rng.choice(CITIES),
                product,
                quantity,
                price,
                price * quantity,
                rng.choice(STATUSES),
            ]
        )
        sheet.cell(row=sheet.max_row, column=2).number_format = "yyyy-mm-dd hh:mm"
    for index, width in enumerate([26, 18, 14, 16, 36, 8, 12, 14, 10], start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A3"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return "订单记录_深圳收货.xlsx", buffer.getvalue()


def complaint_summary_txt(*, shop: str, company: str) -> tuple[str, bytes]:
    """The officer's summary of the consumer complaints that started the case, as UTF-8 text."""
    text = f"""投诉举报汇总（演示数据）

来源：全国12315平台，深圳市消费者投诉
被投诉店铺：{shop}
店铺经营者：{company}

{period_text()}，我局共收到涉及该直播间的消费者投诉17件，主要反映：
1. 主播在直播中称“御康”牌灵芝孢子粉胶囊可以“治疗糖尿病”“吃三个月就能停药”；
2. 直播间展示的“国家认证”证书与商品批准文号不符；
3. 收货后发现外包装标注为普通食品，并非保健食品；
4. 申请退款遭拒或被要求支付高额“退货手续费”。

初步判断：涉嫌虚假宣传、发布违法保健食品广告。经营主体注册地在杭州市，
需请杭州市市场监督管理局协助调取登记档案、平台订单记录及直播回放。

整理人：深圳办案人员
"""
    return "投诉举报汇总.txt", text.encode("utf-8")
