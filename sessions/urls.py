from django.urls import path, re_path

from sessions import booking_views, document_views, questionnaire_views, views, waitlist_views
from sessions.payments import invoice_views, plan_views, voucher_views
from sessions.payments import views as payment_views

app_name = "sessions"

urlpatterns = [
    path("book/", views.session_type_list, name="session-type-list"),
    path("book/<slug:slug>/", views.slot_pick, name="slot-pick"),
    path("book/<slug:slug>/details/", views.booking_create_view, name="booking-create"),
    path("book/<slug:slug>/waitlist/", waitlist_views.waitlist_join_view, name="waitlist-join"),
    path("waitlist/<str:token>/", waitlist_views.waitlist_entry_view, name="waitlist-entry"),
    path("waitlist/<str:token>/leave/", waitlist_views.waitlist_leave_view, name="waitlist-leave"),
    path("booking/<str:token>/", booking_views.booking_detail, name="booking-detail"),
    path(
        "booking/<str:token>/calendar.ics", booking_views.booking_calendar, name="booking-calendar"
    ),
    path("booking/<str:token>/cancel/", booking_views.booking_cancel_view, name="booking-cancel"),
    path(
        "booking/<str:token>/reschedule/",
        booking_views.booking_reschedule_view,
        name="booking-reschedule",
    ),
    path(
        "booking/<str:token>/documents/<str:reference>/",
        document_views.document_sign_view,
        name="document-sign",
    ),
    path(
        "booking/<str:token>/documents/<str:reference>/skip/",
        document_views.document_skip_view,
        name="document-skip",
    ),
    path(
        "booking/<str:token>/documents/<str:reference>/pdf/",
        document_views.document_pdf_view,
        name="document-pdf",
    ),
    path("documents/verify/", document_views.document_verify_view, name="document-verify"),
    path("booking/<str:token>/pay/", payment_views.booking_pay, name="booking-pay"),
    path(
        "booking/<str:token>/card/remove/",
        plan_views.saved_card_remove_view,
        name="saved-card-remove",
    ),
    path(
        "booking/<str:token>/payments/<int:payment_id>/",
        payment_views.payment_return,
        name="payment-return",
    ),
    path(
        "booking/<str:token>/payments/<int:payment_id>/status/",
        payment_views.payment_status,
        name="payment-status",
    ),
    re_path(
        r"^booking/(?P<token>[^/]+)/(?P<kind>invoice|credit_note)/(?P<number>[0-9]{1,9})\.pdf$",
        invoice_views.invoice_pdf_view,
        name="invoice-pdf",
    ),
    path(
        "booking/<str:token>/payments/<int:payment_id>/receipt.pdf",
        invoice_views.receipt_pdf_view,
        name="receipt-pdf",
    ),
    path("stripe/webhook/", payment_views.stripe_webhook, name="stripe-webhook"),
    path("gift/", voucher_views.gift_voucher_buy, name="gift-voucher-buy"),
    path("gift/<str:token>/", voucher_views.gift_voucher_detail, name="gift-voucher"),
    path("gift/<str:token>/voucher.pdf", voucher_views.gift_voucher_pdf, name="gift-voucher-pdf"),
    path("calendar/<str:token>/sessions.ics", views.calendar_feed, name="calendar-feed"),
    path(
        "booking/<str:token>/questionnaire/<int:questionnaire_id>/",
        questionnaire_views.questionnaire_fill,
        name="questionnaire-fill",
    ),
    path(
        "booking/<str:token>/questionnaire/<int:questionnaire_id>/autosave/",
        questionnaire_views.questionnaire_autosave,
        name="questionnaire-autosave",
    ),
    re_path(
        r"^booking/(?P<token>[^/]+)/photos/(?P<image_id>[0-9]+)/(?P<size>full|thumb)/$",
        questionnaire_views.answer_image,
        name="answer-image",
    ),
]
