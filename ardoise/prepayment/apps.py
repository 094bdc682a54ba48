from django.apps import AppConfig


class PrepaymentConfig(AppConfig):
    name = "ardoise.prepayment"
    label = "prepayment"
    verbose_name = "Prépaiement"

    def ready(self) -> None:
        from ardoise.payments.signals import online_payment_paid  # Apps are loaded by now.
        from ardoise.prepayment import receivers

        online_payment_paid.connect(receivers.book_paid_basket, dispatch_uid="prepayment.book_paid_basket")
